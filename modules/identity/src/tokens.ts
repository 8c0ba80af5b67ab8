import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Auth, AuthResult } from '@zjmall/platform';
import type { UserRole } from './models';

export const JWT_ISSUER = 'zjmall';
export const JWT_AUDIENCE = 'zjmall';
export const JWT_ALG = 'HS256';
export const GUEST_TOKEN_TTL_SECONDS = 30 * 86_400;

/** Ours are ≈ 250 characters; anything far longer is refused before parsing. */
const MAX_TOKEN_CHARS = 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TokenServiceOptions {
  secret: string;
  userTtlSeconds: number;
  /** Verified tokens kept in memory (default 10 000). */
  cacheMax?: number;
}

export interface TokenService {
  signUser(userId: string, role: UserRole): Promise<string>;
  signGuest(guestId: string): Promise<string>;
  /** Verifies signature, issuer, audience, exp and our claims; no cache. */
  verify(token: string): Promise<AuthResult & { exp?: number }>;
  /** `verify` behind an LRU keyed by the token, each entry kept until the token's exp. */
  authenticate(token: string): Promise<AuthResult>;
}

function toAuth(payload: Record<string, unknown>): Auth | null {
  const { sub, typ, role } = payload;
  if (typeof sub !== 'string' || !UUID.test(sub)) return null;
  if (typ === 'guest') return { kind: 'guest', guestId: sub };
  if (typ === 'user' && (role === 'customer' || role === 'admin')) return { kind: 'user', userId: sub, role };
  return null;
}

export function createTokenService(opts: TokenServiceOptions): TokenService {
  // The config already demands 32 characters for JWT_SECRET; refuse a weak key here too.
  if (opts.secret.length < 32) throw new Error('jwtSecret must be at least 32 characters');
  const key = new TextEncoder().encode(opts.secret);
  const cache = new LRUCache<string, { auth: Auth; expMs: number }>({ max: opts.cacheMax ?? 10_000 });

  const sign = (claims: Record<string, unknown>, sub: string, ttlSeconds: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: JWT_ALG, typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(key);

  const verify: TokenService['verify'] = async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [JWT_ALG],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        requiredClaims: ['exp', 'sub'],
      });
      const auth = toAuth(payload);
      return auth ? { ok: true, auth, exp: payload.exp } : { ok: false, reason: 'invalid' };
    } catch (e) {
      return { ok: false, reason: e instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  };

  return {
    signUser: (userId, role) => sign({ typ: 'user', role }, userId, opts.userTtlSeconds),
    signGuest: (guestId) => sign({ typ: 'guest' }, guestId, GUEST_TOKEN_TTL_SECONDS),
    verify,
    async authenticate(token) {
      if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'invalid' };
      const hit = cache.get(token);
      if (hit) {
        if (hit.expMs > Date.now()) return { ok: true, auth: hit.auth };
        cache.delete(token);
        return { ok: false, reason: 'expired' };
      }
      const r = await verify(token);
      if (!r.ok) return r; // failures are not cached: a flood of garbage tokens must not evict good ones
      const expMs = (r.exp ?? 0) * 1000;
      const ttl = expMs - Date.now();
      if (ttl > 0) cache.set(token, { auth: r.auth, expMs }, { ttl });
      return { ok: true, auth: r.auth };
    },
  };
}
