import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Bus } from '../bus/types';
import type { Logger } from '../logger';
import { cacheGenerationBumps, cacheRedisSkipped } from '../metrics';
import { asRedisHealth, type RedisHealth } from '../redis/redis-health';
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
  /** The shared store, behind its circuit breaker (a bare client gets one of its own). */
  redis: RedisHealth | Redis | null;
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
 *
 * Redis may go away at any time (it is optional at run time). Its calls pass a circuit breaker
 * (redis/redis-health.ts): while it is open they are skipped at once; a read is then a miss (the
 * caller reads the database) and a read-through fill keeps the value in L1 only, for at most
 * l1TtlSeconds. Nothing throws for Redis. A write (set, mset, del) that did not reach Redis leaves
 * an entry there that may be stale once Redis answers again; so every Redis entry carries the
 * shared generation (`${prefix}cgen`) it was written under and is served only while that is still
 * the current one, and the process that lost the write stops reading Redis until it has bumped the
 * generation (INCR): every entry written before, in every process, is then ignored. Every process
 * whose breaker opened bumps it too when Redis is back, before reading it again, so it does not
 * serve an entry that another (maybe idle) process could not invalidate. Each Redis read fetches
 * the generation with the keys (one MGET); a process that sees it move drops its L1.
 */
export function createCache(opts: CacheOptions): Cache {
  const { bus, prefix, log } = opts;
  const health = opts.redis ? asRedisHealth(opts.redis, 'main', log) : null;
  const origin = randomUUID();
  const l1 = new TtlMap<Stored>(opts.l1MaxEntries ?? (health ? 10_000 : 100_000), !health);
  const l1TtlMs = Math.max(0, (opts.l1TtlSeconds ?? 2) * 1000);
  // Bumped by every invalidation. A Redis read that started before one may carry the old value,
  // so it is returned to its caller but not kept in L1.
  let generation = 0;
  // The shared generation as last read from Redis; entries are written under it.
  let sharedGen = 0;
  // False from a write lost to a Redis failure until this process has bumped the shared generation.
  let trusted = true;
  // Counts lost writes: a bump makes Redis trusted again only if none was lost while it ran.
  let lostWrites = 0;
  let bumping: Promise<void> | null = null;
  let lastRedisWarn = 0;
  // Once closed no invalidations arrive, so nothing more may be kept in L1.
  let closed = false;

  const redisKey = (key: string) => `${prefix}c:${key}`;
  const genKey = `${prefix}cgen`;

  const dropLocal = (keys: readonly string[]) => {
    generation++;
    for (const k of keys) l1.delete(k);
  };
  const dropAll = () => {
    generation++;
    l1.clear();
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
  const offReconnect = bus.onReconnect(dropAll);
  // Back from an outage, this process may have missed what others lost: a write another process
  // could not send (its invalidation) leaves a stale entry that Redis serves under the current
  // generation until that process bumps it, and it may stay idle for long. So every process whose
  // breaker opened bumps the generation itself before it reads Redis again (the handler runs as the
  // breaker closes, before any read can see it closed); the one that lost writes is among them.
  const offRecover =
    health?.onRecover(() => {
      trusted = false;
      void bump(health);
    }) ?? (() => {});

  const warn = (err: unknown, keys: string[], what: string) => {
    const now = Date.now();
    if (now - lastRedisWarn < REDIS_WARN_EVERY_MS) return;
    lastRedisWarn = now;
    log.warn({ err: err instanceof Error ? err.message : err, keys: keys.slice(0, 10) }, what);
  };

  /** Moves the shared generation past every entry written before (ours that may be stale among them). */
  const bump = (h: RedisHealth): Promise<void> => {
    const lostBefore = lostWrites;
    return (bumping ??= h
      .guard((r) => r.incr(genKey))
      .then((g) => {
        sharedGen = g;
        trusted = lostWrites === lostBefore;
        cacheGenerationBumps.inc();
        dropAll();
        log.info({ generation: g }, 'cache generation bumped after a lost write: older Redis entries are ignored');
      })
      .catch((err: unknown) => warn(err, [], 'cache generation bump failed; Redis stays unread'))
      .finally(() => {
        bumping = null;
      }));
  };

  /** The breaker, when Redis may be read now; otherwise null (and a bump is started when one is due). */
  const readable = (): RedisHealth | null => {
    if (!health || !health.available()) return null;
    if (!trusted) {
      void bump(health);
      return null;
    }
    return health;
  };

  /** A write that did not reach Redis: what Redis holds for these keys may now be stale. */
  const writeLost = (err: unknown, keys: string[]) => {
    trusted = false;
    lostWrites++;
    cacheRedisSkipped.inc({ op: 'write' });
    warn(err, keys, 'cache write to Redis failed; Redis is not read until the cache generation is bumped');
    if (health?.available()) void bump(health);
  };

  /** Reads degrade to misses when Redis fails: the caller falls back to the database. */
  const readFailed = (err: unknown, keys: string[]) => {
    cacheRedisSkipped.inc({ op: 'read' });
    warn(err, keys, 'cache read from Redis failed; treating as a miss');
  };

  /** MGET of the generation and `keys`; adopts a generation moved by another process (dropping L1). */
  const readRedis = async (h: RedisHealth, keys: string[]): Promise<(string | null)[]> => {
    const raws = await h.guard((r) => r.mget(genKey, ...keys));
    seeGeneration(raws[0]);
    return raws.slice(1);
  };

  const seeGeneration = (raw: unknown) => {
    const g = Number(raw ?? 0);
    if (g === sharedGen) return;
    sharedGen = g;
    dropAll();
  };

  /** Decodes a Redis value `[expiresAtMs, generation, value]` and keeps it in L1 unless an invalidation intervened. */
  const admit = <T>(key: string, raw: string | null, gen: number): T | undefined => {
    if (raw === null) return undefined;
    let decoded: unknown;
    try {
      decoded = JSON.parse(raw);
    } catch {
      return undefined;
    }
    if (!Array.isArray(decoded) || decoded.length !== 3 || typeof decoded[0] !== 'number') return undefined;
    if (decoded[1] !== sharedGen) return undefined;
    const value = decoded[2] as T;
    const ttl = Math.min(l1TtlMs, decoded[0] - Date.now());
    if (gen !== generation || ttl < 1 || closed) return value;
    // The same Redis entry read again after the in-memory copy lapsed keeps the copy's object.
    const kept = l1.set(key, value === null ? NULL_MARK : (value as Stored), Math.floor(ttl), raw);
    return (kept === NULL_MARK ? null : kept) as T;
  };

  const encode = (value: unknown, ttl: number) => JSON.stringify([Date.now() + ttl, sharedGen, value]);

  const fromL1 = <T>(key: string, now?: number): T | undefined => {
    const hit = l1.get(key, now);
    return hit === NULL_MARK ? (null as T) : (hit as T | undefined);
  };

  /** The in-process store: the whole cache without Redis; with Redis away, a short-lived stand-in. */
  const keepLocal = (entries: { key: string; value: unknown; ttlSeconds: number }[], maxMs: number) => {
    for (const e of entries) {
      const ttl = Math.min(maxMs, ttlMs(e.ttlSeconds));
      // A JSON round trip detaches the stored copy from the caller's object and matches Redis mode.
      if (ttl >= 1)
        l1.set(e.key, (JSON.parse(JSON.stringify(e.value) ?? 'null') as Stored | null) ?? NULL_MARK, Math.floor(ttl));
    }
  };

  async function writeMany(entries: { key: string; value: unknown; ttlSeconds: number }[]): Promise<void> {
    if (entries.length === 0) return;
    const keys = entries.map((e) => e.key);
    dropLocal(keys);
    if (!health) {
      keepLocal(entries, Infinity);
    } else if (!health.available()) {
      writeLost(new Error('Redis unavailable'), keys);
    } else {
      try {
        if (!trusted) await bump(health);
        if (!trusted) throw new Error('cache generation not bumped yet');
        await health.guard(async (redis) => {
          // MULTI: readers see all of the entries or none of them. The generation is read back in
          // the same round trip, so a process that only writes still learns when it moved.
          const tx = redis.multi();
          for (const e of entries) {
            const ttl = ttlMs(e.ttlSeconds);
            if (ttl > 0) tx.set(redisKey(e.key), encode(e.value, ttl), 'PX', ttl);
            else tx.del(redisKey(e.key));
          }
          tx.get(genKey);
          const results = await tx.exec();
          const failed = results?.find(([err]) => err)?.[0];
          if (!results || failed) throw failed ?? new Error('cache write transaction was aborted');
          seeGeneration(results[results.length - 1][1]);
        });
      } catch (err) {
        writeLost(err, keys);
      }
    }
    await announce(keys);
  }

  const announce = async (keys: string[]) => {
    const message: CacheInvalidation = { origin, prefix, keys };
    try {
      await bus.broadcast(CACHE_INVALIDATE_TOPIC, message);
    } catch (err) {
      // Not fatal to the write: other processes' copies expire within l1TtlSeconds anyway.
      log.warn({ err, keys }, 'cache invalidation broadcast failed');
    }
  };

  return {
    mode: health ? 'redis' : 'memory',

    async get<T>(key: string): Promise<T | undefined> {
      const hit = fromL1<T>(key);
      if (hit !== undefined || !health) return hit;
      const h = readable();
      if (!h) {
        cacheRedisSkipped.inc({ op: 'read' });
        return undefined;
      }
      const gen = generation;
      try {
        const [raw] = await readRedis(h, [redisKey(key)]);
        return admit<T>(key, raw, gen);
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
        if (out[i] === undefined && health) (missIdx ??= []).push(i);
      }
      if (!missIdx || !health) return out;
      const h = readable();
      if (!h) {
        cacheRedisSkipped.inc({ op: 'read' });
        return out;
      }
      const gen = generation;
      try {
        // One round trip for every miss (and the generation).
        const raws = await readRedis(
          h,
          missIdx.map((i) => redisKey(keys[i])),
        );
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
      if (!health) {
        keepLocal(entries, Infinity);
        return;
      }
      // This process's older copies go (a fill after a read that skipped the cache must not leave one behind).
      for (const e of entries) l1.delete(e.key);
      const h = readable();
      if (!h) {
        // Redis away: the value just read is kept here briefly, as an L1 copy would be.
        if (!closed) keepLocal(entries, l1TtlMs);
        return;
      }
      // One pipelined round trip; no MULTI (each entry stands alone) and no broadcast.
      try {
        await h.guard(async (redis) => {
          const p = redis.pipeline();
          for (const e of entries) {
            const ttl = ttlMs(e.ttlSeconds);
            if (ttl > 0) p.set(redisKey(e.key), encode(e.value, ttl), 'PX', ttl);
          }
          p.get(genKey);
          const results = await p.exec();
          const failed = results?.find(([err]) => err)?.[0];
          if (failed) throw failed;
          if (results) seeGeneration(results[results.length - 1][1]);
        });
      } catch (err) {
        // Values just read from the database: a fill that did not land leaves nothing stale.
        readFailed(
          err,
          entries.map((e) => e.key),
        );
      }
    },

    async del(keys: string | string[]): Promise<void> {
      const list = typeof keys === 'string' ? [keys] : keys;
      if (list.length === 0) return;
      dropLocal(list);
      if (health) {
        if (!health.available()) writeLost(new Error('Redis unavailable'), list);
        else {
          try {
            await health.guard((r) => r.del(list.map(redisKey)));
          } catch (err) {
            writeLost(err, list);
          }
        }
      }
      await announce(list);
    },

    async close() {
      closed = true;
      unsubscribe();
      offReconnect();
      offRecover();
      l1.clear();
    },
  };
}

/** Whole milliseconds; PX (not EX) so sub-second TTLs work. */
function ttlMs(ttlSeconds: number): number {
  return Number.isFinite(ttlSeconds) ? Math.floor(ttlSeconds * 1000) : 0;
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
