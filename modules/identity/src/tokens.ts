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
  /** Signs every new token, and verifies. */
  secret: string;
  /**
   * The key being retired during a rotation (`JWT_SECRET_PREVIOUS`): tokens signed with it keep
   * verifying until they expire, so a rotation signs nobody out; no token is signed with it.
   */
  previousSecret?: string;
  userTtlSeconds: number;
  /** Verified tokens kept in memory (default 10 000). */
  cacheMax?: number;
}

/** A verified token: who, and for a user token its `ver` (the user's token version when it was issued). */
export type VerifiedToken = { ok: true; auth: Auth; ver: number } | Extract<AuthResult, { ok: false }>;

export interface TokenService {
  /** `version`: the user's token_version now; the token stops working once it changes. */
  signUser(userId: string, role: UserRole, version: number): Promise<string>;
  signGuest(guestId: string): Promise<string>;
  /** Verifies signature, issuer, audience, exp and our claims; no cache. */
  verify(token: string): Promise<VerifiedToken & { exp?: number }>;
  /**
   * `verify` behind an LRU keyed by the token, each entry kept until the token's exp. The token's
   * `role` claim is what it was at signing; identity's access check replaces it with the current one.
   */
  authenticate(token: string): Promise<VerifiedToken>;
}

function toAuth(payload: Record<string, unknown>): { auth: Auth; ver: number } | null {
  const { sub, typ, role, ver = 0 } = payload;
  if (typeof sub !== 'string' || !UUID.test(sub)) return null;
  if (typ === 'guest') return { auth: { kind: 'guest', guestId: sub }, ver: 0 };
  // Tokens issued before token versions existed carry no `ver`: version 0, the column's default.
  if (typeof ver !== 'number' || !Number.isSafeInteger(ver) || ver < 0) return null;
  if (typ === 'user' && (role === 'customer' || role === 'admin'))
    return { auth: { kind: 'user', userId: sub, role }, ver };
  return null;
}

export function createTokenService(opts: TokenServiceOptions): TokenService {
  // The config already demands 32 characters for JWT_SECRET; refuse a weak key here too.
  if (opts.secret.length < 32) throw new Error('jwtSecret must be at least 32 characters');
  if (opts.previousSecret !== undefined && opts.previousSecret.length < 32) {
    throw new Error('the previous jwtSecret must be at least 32 characters');
  }
  const key = new TextEncoder().encode(opts.secret);
  const previousKey =
    opts.previousSecret && opts.previousSecret !== opts.secret ? new TextEncoder().encode(opts.previousSecret) : null;
  const verifyOptions = {
    algorithms: [JWT_ALG],
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
    requiredClaims: ['exp', 'sub'],
  };
  /** The current key first; the previous one only when the signature is not the current key's. */
  const verifySigned = async (token: string) => {
    try {
      return await jwtVerify(token, key, verifyOptions);
    } catch (e) {
      if (previousKey && e instanceof joseErrors.JWSSignatureVerificationFailed) {
        return jwtVerify(token, previousKey, verifyOptions);
      }
      throw e;
    }
  };
  const cache = new LRUCache<string, { auth: Auth; ver: number; expMs: number }>({ max: opts.cacheMax ?? 10_000 });

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
      const { payload } = await verifySigned(token);
      const claims = toAuth(payload);
      return claims ? { ok: true, ...claims, exp: payload.exp } : { ok: false, reason: 'invalid' };
    } catch (e) {
      return { ok: false, reason: e instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  };

  return {
    signUser: (userId, role, version) => sign({ typ: 'user', role, ver: version }, userId, opts.userTtlSeconds),
    signGuest: (guestId) => sign({ typ: 'guest' }, guestId, GUEST_TOKEN_TTL_SECONDS),
    verify,
    async authenticate(token) {
      if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'invalid' };
      const hit = cache.get(token);
      if (hit) {
        if (hit.expMs > Date.now()) return { ok: true, auth: hit.auth, ver: hit.ver };
        cache.delete(token);
        return { ok: false, reason: 'expired' };
      }
      const r = await verify(token);
      if (!r.ok) return r; // failures are not cached: a flood of garbage tokens must not evict good ones
      const expMs = (r.exp ?? 0) * 1000;
      const ttl = expMs - Date.now();
      if (ttl > 0) cache.set(token, { auth: r.auth, ver: r.ver, expMs }, { ttl });
      return { ok: true, auth: r.auth, ver: r.ver };
    },
  };
}
