import { TRPCError } from '@trpc/server';
import { ZodRealError } from 'zod';
import { middleware } from './init';

/**
 * An input the schema accepted but the data or the configuration refuses (a SKU code already in
 * use, a return URL on a foreign origin), answered like a schema error: BAD_REQUEST or CONFLICT
 * with `data.zodError` naming the field. docs/api.md's closed list of appCodes has no code for these,
 * so they are not DomainErrors.
 */
export class FieldError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'CONFLICT',
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
    this.name = 'FieldError';
  }
}

/** The one conversion of FieldError into a tRPC error (the formatter then names the field). */
export const fieldErrors = middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof FieldError) {
    const e = result.error.cause;
    // ZodRealError (unlike ZodError) is an Error, so tRPC keeps it as the cause the formatter reads.
    const cause = new ZodRealError([{ code: 'custom', path: e.path, message: e.message, input: undefined }]);
    return { ...result, error: new TRPCError({ code: e.code, message: e.message, cause }) };
  }
  return result;
});
