import type { AppCode } from '@zjmall/contracts';

/** The one error type of expected failures; turned into a tRPC error in one place (trpc/init.ts). */
export class DomainError extends Error {
  constructor(
    readonly appCode: AppCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
