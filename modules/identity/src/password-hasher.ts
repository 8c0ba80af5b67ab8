import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt parameters besides N; kept in every stored hash so they can change later. */
const R = 8;
const P = 1;
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

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Timing-safe; false for a malformed stored hash. */
  verify(password: string, stored: string): Promise<boolean>;
  /** True when the stored hash is weaker than what we would write today. */
  needsRehash(stored: string): boolean;
  /** Spends the same time as a real verification; for unknown emails (no enumeration by timing). */
  burn(password: string): Promise<void>;
}

/** `cost` is log2 of scrypt's N (PASSWORD_HASH_COST). */
export function createPasswordHasher(cost: number): PasswordHasher {
  let decoy: Promise<string> | undefined;
  const hash = async (password: string) => {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, cost, R, P, KEY_BYTES);
    return `scrypt$${cost}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
  };
  const verify = async (password: string, stored: string) => {
    const h = parseHash(stored);
    if (!h) return false;
    const key = await derive(password, h.salt, h.logN, h.r, h.p, h.hash.length);
    return timingSafeEqual(key, h.hash);
  };
  return {
    hash,
    verify,
    needsRehash(stored) {
      const h = parseHash(stored);
      return !h || h.logN < cost || h.r !== R || h.p !== P || h.hash.length !== KEY_BYTES;
    },
    async burn(password) {
      decoy ??= hash(randomBytes(16).toString('hex'));
      await verify(password, await decoy);
    },
  };
}
