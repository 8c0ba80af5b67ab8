import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { DomainError } from '@zjmall/platform';

/** scrypt parameters besides N; kept in every stored hash so they can change later. */
const R = 8;
/**
 * p for a given log2 N: OWASP's equal-strength scrypt table (r = 8): N=2^17 p=1 (128 MiB per hash),
 * 2^16 p=2, 2^15 p=3, 2^14 p=5 (16 MiB), 2^13 p=10. Memory is 128·N·r bytes whatever p is (node
 * runs the p lanes one after another), so a smaller N with a larger p keeps the work and cuts the memory.
 */
const OWASP_P: Record<number, number> = { 13: 10, 14: 5, 15: 3, 16: 2, 17: 1 };
export function parallelismFor(logN: number): number {
  return OWASP_P[logN] ?? (logN > 17 ? 1 : 10);
}
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** A stored cost above this is treated as corrupt rather than spending gigabytes on it. */
const MAX_LOG_N = 22;

export interface ParsedHash {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function derive(password: string, salt: Buffer, logN: number, r: number, p: number, keylen: number) {
  const N = 2 ** logN;
  // scrypt needs ≈ 128·N·r bytes; node's default maxmem (32 MiB) is too small from N = 2^15 on.
  const maxmem = 256 * N * r + 16 * 1024 * 1024;
  // NFKC: the same password typed on different keyboards/IMEs (full-width digits…) hashes the same.
  return scryptAsync(password.normalize('NFKC'), salt, keylen, { N, r, p, maxmem });
}

/** `scrypt$<logN>$<r>$<p>$<salt b64>$<hash b64>`, or null if the string is not one of ours. */
export function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [logN, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,3}$/.test(s) ? Number(s) : NaN));
  const salt = Buffer.from(parts[4], 'base64');
  const hash = Buffer.from(parts[5], 'base64');
  if (!(logN >= 1 && logN <= MAX_LOG_N && r >= 1 && r <= 32 && p >= 1 && p <= 16)) return null;
  if (salt.length < 8 || hash.length < 16) return null;
  return { logN, r, p, salt, hash };
}

export interface HashLimits {
  /** Hashes running at once (default 2: libuv's pool has 4 threads; fs, dns and other crypto keep 2). */
  concurrency?: number;
  /** Hashes waiting for a slot (default 32); one more answers `BUSY` at once instead of queueing. */
  queue?: number;
  /** A limiter to use instead of a new one (concurrency and queue are then its own), e.g. shared or held by a test. */
  limiter?: HashLimiter;
}

export interface HashLimiterStats {
  active: number;
  queued: number;
  /** The most that ever ran at once. */
  peakActive: number;
  /** Calls answered `BUSY` because the queue was full. */
  rejected: number;
}

export interface HashLimiter {
  run<T>(fn: () => Promise<T>): Promise<T>;
  stats(): HashLimiterStats;
}

/** A counting semaphore with a bounded wait queue; beyond it, `BUSY` at once. */
export function createHashLimiter({ concurrency = 2, queue = 32 }: HashLimits = {}): HashLimiter {
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error('hash concurrency must be an integer ≥ 1');
  if (!(Number.isInteger(queue) && queue >= 0)) throw new Error('hash queue must be an integer ≥ 0');
  let active = 0;
  let peakActive = 0;
  let rejected = 0;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active < concurrency) {
        active++;
      } else if (waiting.length < queue) {
        // The releasing call hands its slot over: `active` stays counted.
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        rejected++;
        throw new DomainError('BUSY', 'Too many sign-ins at this moment; try again shortly', { retryable: true });
      }
      peakActive = Math.max(peakActive, active);
      try {
        return await fn();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    },
    stats(): HashLimiterStats {
      return { active, queued: waiting.length, peakActive, rejected };
    },
  };
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Timing-safe; false for a malformed stored hash. */
  verify(password: string, stored: string): Promise<boolean>;
  /** True when the stored hash is weaker than what we would write today. */
  needsRehash(stored: string): boolean;
  /** Spends the same time as a real verification; for unknown emails (no enumeration by timing). */
  burn(password: string): Promise<void>;
  /** The limiter's counters (hash, verify and burn share it). */
  stats(): HashLimiterStats;
}

/** True when a stored hash has OWASP-grade parameters from the equal-strength table. */
const fullStrength = (logN: number, r: number, p: number) => logN in OWASP_P && r === R && p >= OWASP_P[logN];

/** `cost` is log2 of scrypt's N (PASSWORD_HASH_COST); p follows from it (`parallelismFor`). */
export function createPasswordHasher(cost: number, limits: HashLimits = {}): PasswordHasher {
  const P = parallelismFor(cost);
  const limiter = limits.limiter ?? createHashLimiter(limits);
  let decoy: Promise<string> | undefined;
  const hash = async (password: string) => {
    const salt = randomBytes(SALT_BYTES);
    const key = await limiter.run(() => derive(password, salt, cost, R, P, KEY_BYTES));
    return `scrypt$${cost}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
  };
  const verify = async (password: string, stored: string) => {
    const h = parseHash(stored);
    if (!h) return false;
    const key = await limiter.run(() => derive(password, h.salt, h.logN, h.r, h.p, h.hash.length));
    return timingSafeEqual(key, h.hash);
  };
  return {
    hash,
    verify,
    needsRehash(stored) {
      const h = parseHash(stored);
      if (!h || h.hash.length !== KEY_BYTES) return true;
      const same = h.logN === cost && h.r === R && h.p === P;
      // Both from OWASP's equal-strength table: move to today's parameters (e.g. 2^17·p1 → 2^14·p5,
      // 128 → 16 MiB per verification) — not weaker, and the memory stays within what we planned.
      if (fullStrength(cost, R, P) && fullStrength(h.logN, h.r, h.p)) return !same;
      // Otherwise only ever upwards: a smaller N, another r or a smaller p is rewritten.
      return h.logN < cost || h.r !== R || (h.logN === cost && h.p < P);
    },
    async burn(password) {
      // A decoy refused with BUSY is made again next time rather than kept as a rejection.
      decoy ??= hash(randomBytes(16).toString('hex')).catch((e: unknown) => {
        decoy = undefined;
        throw e;
      });
      await verify(password, await decoy);
    },
    stats: limiter.stats,
  };
}
