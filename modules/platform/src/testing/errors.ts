import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { ErrorData } from '@zjmall/contracts';
import { formatError } from '../trpc/init';

export interface CaughtError {
  code: TRPCError['code'];
  message: string;
  /** `data.appCode` and `data.details`, for short assertions. */
  appCode?: string;
  details?: unknown;
  data: ErrorData;
}

/**
 * An error a `createCaller` call threw, shaped as a client gets it: tRPC's default shape (its
 * JSON-RPC code and HTTP status, from @trpc/server's public `rpc` and `http` exports) through
 * platform's error formatter, which every router here is built with (appCode, details, zodError).
 * init.test.ts holds this equal to what tRPC's own HTTP handler answers.
 */
export function clientErrorShape(error: TRPCError) {
  return formatError({
    error,
    shape: {
      message: error.message,
      code: TRPC_ERROR_CODES_BY_KEY[error.code],
      data: { code: error.code, httpStatus: getHTTPStatusCodeFromError(error) },
    },
  });
}

/** Awaits a procedure call (through createCaller) that must fail, and returns the error as a client would see it. */
export async function callFailure(call: Promise<unknown>): Promise<CaughtError> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    const shape = clientErrorShape(e);
    const data = shape.data as ErrorData;
    return { code: e.code, message: shape.message, appCode: data.appCode, details: data.details, data };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
