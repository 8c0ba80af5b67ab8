import { TRPCError, getErrorShape, type AnyTRPCRouter } from '@trpc/server';
import type { ErrorData } from '@zjmall/contracts';

export interface CaughtError {
  code: TRPCError['code'];
  message: string;
  data: ErrorData;
}

/**
 * Awaits a procedure call (through createCaller) that must fail, and returns the error as a client
 * would see it: the router's error formatter applied (appCode, zodError, details).
 */
export async function callFailure(router: AnyTRPCRouter, call: Promise<unknown>): Promise<CaughtError> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    const shape = getErrorShape({
      config: router._def._config,
      error: e,
      type: 'unknown',
      path: undefined,
      input: undefined,
      ctx: undefined,
    });
    return { code: e.code, message: shape.message, data: shape.data as unknown as ErrorData };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
