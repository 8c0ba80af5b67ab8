import type { Logger } from '../logger';

export type Role = 'customer' | 'admin';
export type Auth = { kind: 'user'; userId: string; role: Role } | { kind: 'guest'; guestId: string };

/**
 * Outcome of checking a bearer token: who it is, or why it was refused (`revoked`: signed out
 * everywhere or disabled since it was issued; `disabled`: the account is disabled).
 */
export type AuthResult =
  { ok: true; auth: Auth } | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'revoked' | 'disabled' };

export type Authenticate = (token: string) => Promise<AuthResult>;

export interface Context {
  requestId: string;
  ip: string;
  log: Logger;
  /** The bearer token as sent (header or SSE connectionParams), if any. */
  token: string | null;
  /** Verifies the token once, on first use: public procedures never pay for it. */
  auth(): Promise<AuthResult>;
}

export interface ContextSource {
  requestId: string;
  ip: string;
  authorization?: string | string[] | undefined;
  connectionParams?: Record<string, string> | null;
}

export function bearerToken(src: Pick<ContextSource, 'authorization' | 'connectionParams'>): string | null {
  const h = Array.isArray(src.authorization) ? src.authorization[0] : src.authorization;
  if (h && h.startsWith('Bearer ')) return h.slice(7).trim() || null;
  const p = src.connectionParams?.token;
  return typeof p === 'string' && p ? p : null;
}

/** Builds the per-request context; the same function serves the fast path and the stock adapter. */
export function createContextFactory(deps: { authenticate: Authenticate; log: Logger }) {
  return (src: ContextSource): Context => {
    const token = bearerToken(src);
    let memo: Promise<AuthResult> | undefined;
    return {
      requestId: src.requestId,
      ip: src.ip,
      log: deps.log,
      token,
      auth: () => (memo ??= token ? deps.authenticate(token) : Promise.resolve({ ok: false, reason: 'missing' })),
    };
  };
}
