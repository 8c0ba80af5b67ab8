import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Bus } from '../bus/types';
import type { Logger } from '../logger';
import { Stamp, TtlMap, type TtlEntry } from './ttl-map';
import type { Cache } from './types';

/** Broadcast topic telling every process to drop its in-memory copies of some keys. */
export const CACHE_INVALIDATE_TOPIC = 'cache.invalidate';

export interface CacheInvalidation {
  /** The sending instance; it already dropped its own copies, so it ignores its echo. */
  origin: string;
  /** REDIS_KEY_PREFIX of the sender: deployments sharing a NATS server do not disturb each other. */
  prefix: string;
  keys: string[];
}

export interface CacheOptions {
  redis: Redis | null;
  /** Only fan-out is used: invalidations reach every process; after a reconnection L1 is dropped. */
  bus: Pick<Bus, 'broadcast' | 'onBroadcast' | 'onReconnect'>;
  prefix: string;
  log: Logger;
  /** Entries kept in memory: the in-process L1 with Redis (default 10 000), the whole store without (100 000). */
  l1MaxEntries?: number;
  /** With Redis: how long a process may serve its in-memory copy (default 2 s; never past the entry's own expiry). */
  l1TtlSeconds?: number;
}

// A cached null is stored as this marker (a missing entry is `undefined`).
const NULL_MARK: unique symbol = Symbol('cached null');
type Stored = NonNullable<unknown>;
const REDIS_WARN_EVERY_MS = 5_000;

/**
 * A JSON cache. Values go through JSON (a Date comes back as a string; `undefined` is stored as null).
 * Values handed out are shared with later readers of this process — treat them as read-only.
 *
 * Negative caching (penetration guard): `set(key, null, ttl)` stores "known missing"; `get` then
 * answers `null`, while `undefined` always means "not cached, ask the database". Type such reads as
 * `get<Sku | null>(key)`. A TTL ≤ 0 stores nothing and removes any previous entry.
 *
 * Without Redis the in-process LRU is the store. With Redis, Redis (`${prefix}c:${key}`) is the
 * shared store and the LRU a short-lived L1 in front of it holding parsed values, so a hot read
 * costs neither a round trip nor a JSON parse. Every write (set, mset, del) drops this process's
 * copy and writes Redis before it resolves, then broadcasts the keys so other processes drop theirs;
 * until that arrives they may serve their copy for at most l1TtlSeconds. L1 is filled by reads only.
 * When the bus reconnects after a disconnection (invalidations may have been missed), L1 is dropped.
 */
export function createCache(opts: CacheOptions): Cache {
  const { redis, bus, prefix, log } = opts;
  const origin = randomUUID();
  const l1 = new TtlMap<Stored>(opts.l1MaxEntries ?? (redis ? 10_000 : 100_000), !redis);
  const l1TtlMs = Math.max(0, (opts.l1TtlSeconds ?? 2) * 1000);
  // Bumped by every invalidation. A Redis read that started before one may carry the old value,
  // so it is returned to its caller but not kept in L1.
  let generation = 0;
  let lastRedisWarn = 0;
  // Once closed no invalidations arrive, so nothing more may be kept in L1.
  let closed = false;

  const redisKey = (key: string) => `${prefix}c:${key}`;

  const dropLocal = (keys: readonly string[]) => {
    generation++;
    for (const k of keys) l1.delete(k);
  };

  const unsubscribe = bus.onBroadcast(CACHE_INVALIDATE_TOPIC, (payload) => {
    if (!isInvalidation(payload)) {
      log.warn({ payload }, 'ignoring malformed cache invalidation');
      return;
    }
    if (payload.origin !== origin && payload.prefix === prefix) dropLocal(payload.keys);
  });
  // Invalidations broadcast while this process was cut off from NATS never arrive: after a
  // reconnection every in-memory copy goes (without Redis, that is the whole cache: reads fall
  // back to the database), and reads in flight are not kept.
  const offReconnect = bus.onReconnect(() => {
    generation++;
    l1.clear();
  });

  const announce = async (keys: string[]) => {
    const message: CacheInvalidation = { origin, prefix, keys };
    try {
      await bus.broadcast(CACHE_INVALIDATE_TOPIC, message);
    } catch (err) {
      // Not fatal to the write: other processes' copies expire within l1TtlSeconds anyway.
      log.warn({ err, keys }, 'cache invalidation broadcast failed');
    }
  };

  /** Reads degrade to misses when Redis fails: the caller falls back to the database. */
  const readFailed = (err: unknown, keys: string[]) => {
    const now = Date.now();
    if (now - lastRedisWarn < REDIS_WARN_EVERY_MS) return;
    lastRedisWarn = now;
    log.warn({ err, keys: keys.slice(0, 10) }, 'cache read from Redis failed; treating as a miss');
  };

  /** Decodes a Redis value `[expiresAtMs, value]` and keeps it in L1 unless an invalidation intervened. */
  const admit = <T>(key: string, raw: string | null, gen: number): T | undefined => {
    if (raw === null) return undefined;
    let decoded: unknown;
    try {
      decoded = JSON.parse(raw);
    } catch {
      return undefined;
    }
    if (!Array.isArray(decoded) || decoded.length !== 2 || typeof decoded[0] !== 'number') return undefined;
    const value = decoded[1] as T;
    const ttl = Math.min(l1TtlMs, decoded[0] - Date.now());
    if (gen !== generation || ttl < 1 || closed) return value;
    // The same Redis entry read again after the in-memory copy lapsed keeps the copy's object.
    const kept = l1.set(key, value === null ? NULL_MARK : (value as Stored), Math.floor(ttl), raw);
    return (kept === NULL_MARK ? null : kept) as T;
  };

  const fromL1 = <T>(key: string, now?: number): T | undefined => {
    const hit = l1.get(key, now);
    return hit === NULL_MARK ? (null as T) : (hit as T | undefined);
  };

  async function writeMany(entries: { key: string; value: unknown; ttlSeconds: number }[]): Promise<void> {
    if (entries.length === 0) return;
    const keys = entries.map((e) => e.key);
    dropLocal(keys);
    if (!redis) {
      for (const e of entries) {
        const ttl = ttlMs(e.ttlSeconds);
        // A JSON round trip detaches the stored copy from the caller's object and matches Redis mode.
        if (ttl > 0) l1.set(e.key, (JSON.parse(JSON.stringify(e.value) ?? 'null') as Stored | null) ?? NULL_MARK, ttl);
      }
    } else if (entries.length === 1) {
      const { key, value, ttlSeconds } = entries[0];
      const ttl = ttlMs(ttlSeconds);
      if (ttl > 0) await redis.set(redisKey(key), encode(value, ttl), 'PX', ttl);
      else await redis.del(redisKey(key));
    } else {
      // MULTI: readers see all of the entries or none of them.
      const tx = redis.multi();
      for (const e of entries) {
        const ttl = ttlMs(e.ttlSeconds);
        if (ttl > 0) tx.set(redisKey(e.key), encode(e.value, ttl), 'PX', ttl);
        else tx.del(redisKey(e.key));
      }
      const results = await tx.exec();
      const failed = results?.find(([err]) => err)?.[0];
      if (!results || failed) throw failed ?? new Error('cache mset transaction was aborted');
    }
    await announce(keys);
  }

  return {
    mode: redis ? 'redis' : 'memory',

    async get<T>(key: string): Promise<T | undefined> {
      const hit = fromL1<T>(key);
      if (hit !== undefined || !redis) return hit;
      const gen = generation;
      try {
        return admit<T>(key, await redis.get(redisKey(key)), gen);
      } catch (err) {
        readFailed(err, [key]);
        return undefined;
      }
    },

    async mget<T>(keys: string[]): Promise<(T | undefined)[]> {
      const out = new Array<T | undefined>(keys.length);
      let missIdx: number[] | undefined;
      const now = Date.now();
      for (let i = 0; i < keys.length; i++) {
        out[i] = fromL1<T>(keys[i], now);
        if (out[i] === undefined && redis) (missIdx ??= []).push(i);
      }
      if (!missIdx || !redis) return out;
      const gen = generation;
      try {
        // One round trip for every miss.
        const raws = await redis.mget(missIdx.map((i) => redisKey(keys[i])));
        for (let j = 0; j < missIdx.length; j++) out[missIdx[j]] = admit<T>(keys[missIdx[j]], raws[j], gen);
      } catch (err) {
        readFailed(
          err,
          missIdx.map((i) => keys[i]),
        );
      }
      return out;
    },

    async mgetStamped<T>(keys: string[]): Promise<{ values: (T | undefined)[]; stamp: Stamp | null }> {
      const inMemory = () => {
        const now = Date.now();
        const entries: TtlEntry<Stored>[] = [];
        for (const key of keys) {
          const e = l1.entry(key, now);
          if (e === undefined) return null;
          entries.push(e);
        }
        return { values: entries.map((e) => (e.value === NULL_MARK ? null : e.value) as T), stamp: new Stamp(entries) };
      };
      const hit = inMemory();
      if (hit) return hit;
      // Something not in memory: an ordinary read refills (or revives) it; stamped if all of it was kept.
      const values = await this.mget<T>(keys);
      const after = inMemory();
      return after && after.values.every((v, i) => v === values[i]) ? after : { values, stamp: null };
    },

    set<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
      return writeMany([{ key, value, ttlSeconds }]);
    },

    mset<T>(entries: { key: string; value: T; ttlSeconds: number }[]): Promise<void> {
      return writeMany(entries);
    },

    async fill<T>(entries: { key: string; value: T; ttlSeconds: number }[]): Promise<void> {
      if (entries.length === 0) return;
      if (!redis) {
        for (const e of entries) {
          const ttl = ttlMs(e.ttlSeconds);
          if (ttl > 0)
            l1.set(e.key, (JSON.parse(JSON.stringify(e.value) ?? 'null') as Stored | null) ?? NULL_MARK, ttl);
        }
        return;
      }
      // One pipelined round trip; no MULTI (each entry stands alone) and no broadcast. This process's
      // older copies go (a fill after a read that skipped the cache must not leave one behind).
      const p = redis.pipeline();
      for (const e of entries) {
        l1.delete(e.key);
        const ttl = ttlMs(e.ttlSeconds);
        if (ttl > 0) p.set(redisKey(e.key), encode(e.value, ttl), 'PX', ttl);
      }
      const results = await p.exec();
      const failed = results?.find(([err]) => err)?.[0];
      if (failed) throw failed;
    },

    async del(keys: string | string[]): Promise<void> {
      const list = typeof keys === 'string' ? [keys] : keys;
      if (list.length === 0) return;
      dropLocal(list);
      if (redis) await redis.del(list.map(redisKey));
      await announce(list);
    },

    async close() {
      closed = true;
      unsubscribe();
      offReconnect();
      l1.clear();
    },
  };
}

/** Whole milliseconds; PX (not EX) so sub-second TTLs work. */
function ttlMs(ttlSeconds: number): number {
  return Number.isFinite(ttlSeconds) ? Math.floor(ttlSeconds * 1000) : 0;
}

/** The expiry travels with the value so another process never keeps its L1 copy past it. */
function encode(value: unknown, ttl: number): string {
  return JSON.stringify([Date.now() + ttl, value]);
}

function isInvalidation(p: unknown): p is CacheInvalidation {
  if (typeof p !== 'object' || p === null) return false;
  const m = p as Partial<CacheInvalidation>;
  return (
    typeof m.origin === 'string' &&
    typeof m.prefix === 'string' &&
    Array.isArray(m.keys) &&
    m.keys.every((k) => typeof k === 'string')
  );
}
