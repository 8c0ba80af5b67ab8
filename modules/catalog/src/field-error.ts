import { TRPCError } from '@trpc/server';
import { ZodRealError } from 'zod';
import { middleware } from '@zjmall/platform';

/**
 * An input the schema accepted but the data refuses (a SKU code already in use), answered like
 * a schema error: BAD_REQUEST or CONFLICT with `data.zodError` naming the field. API.md's closed
 * list of appCodes has no code for these, so they are not DomainErrors.
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

/** The catalog's one conversion of FieldError into a tRPC error (the platform's formatter names the field). */
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

/** Postgres unique violation on a named constraint/index. */
export function isUniqueViolation(e: unknown, constraint: string): boolean {
  const parent = (e as { parent?: { code?: string; constraint?: string } } | null)?.parent ?? (e as { code?: string; constraint?: string } | null);
  return parent?.code === '23505' && parent.constraint === constraint;
}
