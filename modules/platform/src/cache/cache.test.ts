import { deleteRedisPrefix } from '../testing/test-env';
import { testEnvVar } from '../testing/database';
import { startPrivateRedisServer } from '../testing/redis-server';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { createCache, type CacheOptions } from './cache';
import { inProcessBroadcastBus, natsBroadcastBus, type BroadcastBus } from './broadcast.fixture';
import type { Cache } from './types';

const env = testEnvVar;
const log = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newPrefix = () => `zjt:cache:${randomBytes(4).toString('hex')}:`;

/** Polls until `read` returns `want` (deep-equal) or ~1 s passed; returns the last value read. */
async function eventually<T>(read: () => Promise<T>, want: T): Promise<T> {
  let last = await read();
  for (let i = 0; i < 50 && JSON.stringify(last) !== JSON.stringify(want); i++) {
    await sleep(20);
    last = await read();
  }
  return last;
}

interface World {
  make(extra?: Partial<CacheOptions>): Cache;
  prefix: string;
}

// The behaviour every caller relies on, in both modes.
describe.each(['memory', 'redis'] as const)('cache contract (%s)', (mode) => {
  let redis: Redis | null = null;
  let bus: BroadcastBus;
  const world = {} as World;
  const made: Cache[] = [];
  beforeAll(() => {
    world.prefix = newPrefix();
    redis = mode === 'redis' ? new Redis(env('ZJ_TEST_REDIS_URL')) : null;
    bus = inProcessBroadcastBus();
    world.make = (extra = {}) => {
      const c = createCache({ redis, bus, prefix: world.prefix, log, ...extra });
      made.push(c);
      return c;
    };
  });
  afterAll(async () => {
    for (const c of made) await c.close();
    if (redis) {
      await deleteRedisPrefix(env('ZJ_TEST_REDIS_URL'), world.prefix);
      redis.disconnect();
    }
  });

  it('gets, sets and deletes JSON values', async () => {
    const c = world.make();
    expect(c.mode).toBe(mode);
    expect(await c.get('k1')).toBeUndefined();
    const original = { n: 1, tags: ['a'], at: new Date('2026-01-02T03:04:05Z') };
    await c.set('k1', original, 60);
    original.tags.push('mutated after set');
    expect(await c.get('k1')).toEqual({ n: 1, tags: ['a'], at: '2026-01-02T03:04:05.000Z' });
    await c.del('k1');
    expect(await c.get('k1')).toBeUndefined();
  });

  it('mset and mget keep order and length, with misses and duplicates', async () => {
    const c = world.make();
    await c.mset<string | number | null>([
      { key: 'm1', value: 'one', ttlSeconds: 60 },
      { key: 'm2', value: 2, ttlSeconds: 60 },
      { key: 'm3', value: null, ttlSeconds: 60 },
    ]);
    expect(await c.mget(['m2', 'nope', 'm1', 'm3', 'm2'])).toEqual([2, undefined, 'one', null, 2]);
    expect(await c.mget([])).toEqual([]);
    await c.del(['m1', 'm2']);
    expect(await c.mget(['m1', 'm2', 'm3'])).toEqual([undefined, undefined, null]);
  });

  it('expires entries after their TTL', async () => {
    const c = world.make();
    await c.set('short', { v: 1 }, 0.15);
    expect(await c.get('short')).toEqual({ v: 1 });
    await sleep(250);
    expect(await c.get('short')).toBeUndefined();
    expect(await c.mget(['short'])).toEqual([undefined]);
  });

  it('caches a missing marker (null) distinct from not cached (undefined)', async () => {
    const c = world.make();
    await c.set<string | null>('neg', null, 60);
    expect(await c.get<string | null>('neg')).toBeNull();
    expect(await c.get('never-set')).toBeUndefined();
    await c.set('undef', undefined, 60);
    expect(await c.get('undef')).toBeNull();
  });

  it('does not store a TTL ≤ 0 and removes what was there', async () => {
    const c = world.make();
    await c.set('z', 'old', 60);
    await c.set('z', 'new', 0);
    await c.mset([{ key: 'z2', value: 'x', ttlSeconds: -1 }]);
    expect(await c.mget(['z', 'z2'])).toEqual([undefined, undefined]);
  });
});

describe('cache (memory mode)', () => {
  it('evicts the least recently used entry past l1MaxEntries', async () => {
    const c = createCache({ redis: null, bus: inProcessBroadcastBus(), prefix: 'x:', log, l1MaxEntries: 2 });
    await c.set('a', 1, 60);
    await c.set('b', 2, 60);
    await c.get('a');
    await c.set('c', 3, 60);
    expect(await c.mget(['a', 'b', 'c'])).toEqual([1, undefined, 3]);
    await c.close();
  });
});

describe('cache (Redis mode)', () => {
  let prefix: string;
  let subjects: string;
  let r1: Redis;
  let r2: Redis;
  let busA: BroadcastBus;
  let busB: BroadcastBus;
  const made: Cache[] = [];
  const opts = (redis: Redis, bus: BroadcastBus, extra: Partial<CacheOptions> = {}): CacheOptions => ({
    redis,
    bus,
    prefix,
    log,
    ...extra,
  });
  const track = (c: Cache) => (made.push(c), c);
  beforeAll(async () => {
    prefix = newPrefix();
    subjects = `zjt_cache_${randomBytes(4).toString('hex')}`;
    r1 = new Redis(env('ZJ_TEST_REDIS_URL'));
    r2 = new Redis(env('ZJ_TEST_REDIS_URL'));
    // Two NATS connections: two processes as far as fan-out is concerned.
    busA = await natsBroadcastBus(env('ZJ_TEST_NATS_URL'), subjects);
    busB = await natsBroadcastBus(env('ZJ_TEST_NATS_URL'), subjects);
  });
  afterAll(async () => {
    for (const c of made) await c.close();
    await busA.close();
    await busB.close();
    await deleteRedisPrefix(env('ZJ_TEST_REDIS_URL'), prefix);
    r1.disconnect();
    r2.disconnect();
  });

  it('stores under the prefix with the entry TTL', async () => {
    const c = track(createCache(opts(r1, busA)));
    await c.set('sku:1', { price: 100 }, 30);
    const pttl = await r1.pttl(`${prefix}c:sku:1`);
    expect(pttl).toBeGreaterThan(29_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
  });

  it('serves L1 hits without Redis and reads every miss of an mget in one round trip', async () => {
    // MONITOR on a private server: on the shared one, other test files' commands flood the monitor
    // connection (and ioredis has answered 'Command queue state error' under that flood).
    const server = await startPrivateRedisServer();
    const own = new Redis(server.url);
    const c = track(createCache(opts(own, busA, { l1TtlSeconds: 30 })));
    await c.mset([1, 2, 3].map((i) => ({ key: `rt:${i}`, value: i, ttlSeconds: 60 })));
    const monitor = await own.duplicate().monitor();
    const seen: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((a) => a.startsWith(prefix))) seen.push(args);
    });
    // MONITOR output is asynchronous: a marker command read back tells when it has caught up.
    const until = async (marker: string) => {
      await own.exists(`${prefix}${marker}`);
      for (let i = 0; i < 200 && !seen.some((a) => a[1] === `${prefix}${marker}`); i++) await sleep(10);
      const at = seen.findIndex((a) => a[1] === `${prefix}${marker}`);
      expect(at).toBeGreaterThanOrEqual(0);
      return seen
        .splice(0, at + 1)
        .slice(0, -1)
        .map((a) => a.join(' ').toLowerCase());
    };
    try {
      await until('start');
      expect(await c.mget(['rt:1', 'rt:2', 'rt:3', 'rt:none'])).toEqual([1, 2, 3, undefined]);
      expect(await c.mget(['rt:3', 'rt:1'])).toEqual([3, 1]);
      expect(await c.get('rt:2')).toBe(2);
      const keys = ['rt:1', 'rt:2', 'rt:3', 'rt:none'].map((k) => `${prefix}c:${k}`.toLowerCase());
      // The shared generation travels in the same MGET (cache.ts: entries of an older one are ignored).
      expect(await until('end')).toEqual([`mget ${`${prefix}cgen`.toLowerCase()} ${keys.join(' ')}`]);
    } finally {
      monitor.disconnect();
      await c.close();
      own.disconnect();
      await server.dispose();
    }
  });

  it("mgetStamped: stamped once every key is kept in memory; another process's write ends the stamp", async () => {
    const here = track(createCache(opts(r1, busA, { l1TtlSeconds: 30 })));
    const there = track(createCache(opts(r2, busB, { l1TtlSeconds: 30 })));
    await there.mset([1, 2].map((i) => ({ key: `st:${i}`, value: { i }, ttlSeconds: 60 })));
    await sleep(200); // its invalidation broadcast reaches `here` first (a read racing it is not kept in L1)
    const missing = await here.mgetStamped<{ i: number }>(['st:1', 'st:none']);
    expect(missing).toEqual({ values: [{ i: 1 }, undefined], stamp: null }); // not cached anywhere: nothing to stamp
    const warm = await here.mgetStamped<{ i: number }>(['st:1', 'st:2']);
    expect(warm.values).toEqual([{ i: 1 }, { i: 2 }]);
    expect(warm.stamp?.valid()).toBe(true);
    const again = await here.mgetStamped<{ i: number }>(['st:1', 'st:2']);
    expect(again.values[0]).toBe(warm.values[0]); // the same objects while the stamp holds
    await there.set('st:2', { i: 22 }, 60);
    for (let i = 0; i < 100 && warm.stamp!.valid(); i++) await sleep(20);
    expect(warm.stamp!.valid()).toBe(false);
    expect((await here.mget(['st:2']))[0]).toEqual({ i: 22 });
  });

  it('keeps an L1 copy no longer than l1TtlSeconds, nor past the entry TTL', async () => {
    const c = track(createCache(opts(r1, busA, { l1TtlSeconds: 0.2 })));
    await c.set('l1', 'v1', 60);
    expect(await c.get('l1')).toBe('v1');
    // Changed behind the cache's back: only the L1 expiry can reveal it.
    await r2.set(`${prefix}c:l1`, JSON.stringify([Date.now() + 60_000, 0, 'v2']), 'PX', 60_000);
    expect(await c.get('l1')).toBe('v1');
    await sleep(300);
    expect(await c.get('l1')).toBe('v2');

    const long = track(createCache(opts(r1, busA, { l1TtlSeconds: 60 })));
    await long.set('brief', 'x', 0.2);
    expect(await long.get('brief')).toBe('x');
    const other = track(createCache(opts(r2, busB, { l1TtlSeconds: 60 })));
    expect(await other.get('brief')).toBe('x'); // filled from Redis, bounded by the stored expiry
    await sleep(300);
    expect(await long.get('brief')).toBeUndefined();
    expect(await other.get('brief')).toBeUndefined();
  });

  it('drops other processes\u2019 L1 copies on set and del', async () => {
    // Long L1 TTL: only the invalidation over NATS can make A see B's writes.
    const a = track(createCache(opts(r1, busA, { l1TtlSeconds: 60 })));
    const b = track(createCache(opts(r2, busB, { l1TtlSeconds: 60 })));
    await busA.flush();
    await busB.flush();
    // Seeded behind the caches' backs, so no invalidation is still in flight when A reads.
    await r2.set(`${prefix}c:cart:1`, JSON.stringify([Date.now() + 60_000, 0, { lines: 1 }]), 'PX', 60_000);
    expect(await a.get('cart:1')).toEqual({ lines: 1 });
    await r2.set(`${prefix}c:cart:1`, JSON.stringify([Date.now() + 60_000, 0, { lines: 99 }]), 'PX', 60_000);
    expect(await a.get('cart:1')).toEqual({ lines: 1 }); // proves A answers from its L1

    await b.set('cart:1', { lines: 2 }, 60);
    expect(await eventually(() => a.get('cart:1'), { lines: 2 })).toEqual({ lines: 2 });
    expect(await a.mget(['cart:1'])).toEqual([{ lines: 2 }]);

    await b.del('cart:1');
    expect(await b.get('cart:1')).toBeUndefined(); // the writer's own read-after-write is immediate
    expect(await eventually(() => a.get('cart:1'), undefined)).toBeUndefined();
  });

  it('fills after a miss without telling other processes', async () => {
    const a = track(createCache(opts(r1, busA, { l1TtlSeconds: 60 })));
    const b = track(createCache(opts(r2, busB, { l1TtlSeconds: 60 })));
    await busA.flush();
    await busB.flush();
    await b.set('fill:1', { v: 1 }, 60);
    await busB.flush();
    await busA.flush();
    await new Promise((r) => setTimeout(r, 100)); // let set's own invalidation land first
    expect(await a.get('fill:1')).toEqual({ v: 1 }); // A now holds it in L1
    await b.fill([
      { key: 'fill:1', value: { v: 2 }, ttlSeconds: 60 },
      { key: 'fill:2', value: null, ttlSeconds: 60 },
    ]);
    await busA.flush();
    await busB.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect(await a.get('fill:1')).toEqual({ v: 1 }); // no invalidation was sent: A keeps its copy
    expect(await b.get('fill:1')).toEqual({ v: 2 });
    expect(await a.get('fill:2')).toBeNull(); // negative fill reaches Redis
  });

  it('treats a Redis outage as a miss on reads; writes resolve (and leave Redis untrusted)', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => {});
    const c = createCache(opts(down, inProcessBroadcastBus()));
    expect(await c.get('x')).toBeUndefined();
    expect(await c.mget(['x', 'y'])).toEqual([undefined, undefined]);
    await expect(c.set('x', 1, 60)).resolves.toBeUndefined();
    await expect(c.del('x')).resolves.toBeUndefined();
    expect(await c.get('x')).toBeUndefined();
    await c.close();
    down.disconnect();
  });
});
