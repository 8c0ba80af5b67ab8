import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '../logger';
import { createRedisHealth, RESILIENT_REDIS_OPTIONS, type RedisHealth } from '../redis/redis-health';
import { startPrivateRedisServer, type PrivateRedisServer } from '../testing/redis-server';
import { createCache } from './cache';
import { inProcessBroadcastBus } from './broadcast.fixture';
import type { Cache } from './types';

const log = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true (generous deadline: a busy machine). */
async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(25);
  }
}

// Two processes' caches over one private Redis, which the tests freeze and kill.
describe('cache with Redis going away (private redis-server)', () => {
  let server: PrivateRedisServer;
  let raw: Redis;
  const clients: Redis[] = [];
  const healths: RedisHealth[] = [];
  const caches: Cache[] = [];
  const prefix = 'zjt:outage:';
  let a: Cache;
  let b: Cache;
  let healthA: RedisHealth;
  let healthB: RedisHealth;

  const process = async () => {
    const client = new Redis(server.url, RESILIENT_REDIS_OPTIONS);
    await client.connect();
    clients.push(client);
    const health = createRedisHealth(client, 'main', log);
    healths.push(health);
    // L1 off: every read below goes to Redis when Redis is readable.
    const cache = createCache({ redis: health, bus: inProcessBroadcastBus(), prefix, log, l1TtlSeconds: 0 });
    caches.push(cache);
    return { cache, health };
  };

  beforeAll(async () => {
    server = await startPrivateRedisServer();
    raw = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    raw.on('error', () => {});
    await raw.connect();
    ({ cache: a, health: healthA } = await process());
    ({ cache: b, health: healthB } = await process());
  }, 30_000);
  afterAll(async () => {
    for (const c of caches) await c.close();
    for (const h of healths) h.close();
    for (const c of [...clients, raw]) c.disconnect();
    await server?.dispose();
  });

  it('a write lost while Redis hangs never resurfaces: the generation moves before Redis is read again', async () => {
    await a.set('price:1', 100, 600);
    expect(await b.get('price:1')).toBe(100);

    server.pause();
    // A read times out (commandTimeout) and opens A's breaker.
    expect(await a.get('other')).toBeUndefined();
    await eventually(() => !healthA.available(), "A's breaker opens");
    // The price changes in the database; A's invalidation is not sent while the breaker is open
    // (as when the network drops it), and its reads are misses answered without Redis.
    await a.del('price:1');
    expect(await a.get('price:1')).toBeUndefined();
    server.resume();

    // Redis still holds the old entry (the control: without the generation it would be served)...
    await eventually(async () => (await raw.get(`${prefix}c:price:1`).catch(() => null)) !== null, 'entry readable');
    // ...but neither process serves it once A is back and has moved the generation.
    await eventually(() => healthA.available(), "A's breaker closes");
    await eventually(
      async () => (await a.get('never-set')) === undefined && Number(await raw.get(`${prefix}cgen`)) > 0,
      'generation bumped',
    );
    expect(await a.get('price:1')).toBeUndefined();
    expect(await b.get('price:1')).toBeUndefined();
    // New entries are served again.
    await b.set('price:1', 120, 600);
    expect(await a.get('price:1')).toBe(120);
  }, 60_000);

  it('reads miss and writes resolve while Redis is dead; after a restart the cache works again', async () => {
    await server.kill();
    await eventually(() => !healthA.available(), 'breaker opens on the closed connection');
    expect(await a.get('price:1')).toBeUndefined();
    expect(await a.mget(['price:1', 'x'])).toEqual([undefined, undefined]);
    await expect(a.set('k', 1, 60)).resolves.toBeUndefined();
    await expect(a.fill([{ key: 'f', value: 'v', ttlSeconds: 60 }])).resolves.toBeUndefined();
    await expect(b.del('k')).resolves.toBeUndefined();

    await server.start();
    await eventually(() => healths.every((h) => h.available()), 'every breaker closes after the restart');
    await eventually(async () => {
      await a.set('after', 'yes', 60);
      return (await b.get('after')) === 'yes';
    }, 'an entry written by one process is read by the other');
  }, 60_000);

  it('a process that lost no write does not serve the entry another lost, even before that one is active again', async () => {
    await eventually(() => healths.every((h) => h.available()), 'both breakers closed');
    await a.set('price:2', 200, 600);
    expect(await b.get('price:2')).toBe(200);

    server.pause();
    // Both notice the outage (their reads time out), and A's invalidation is lost.
    expect(await a.get('other')).toBeUndefined();
    expect(await b.get('other')).toBeUndefined();
    await eventually(() => !healthA.available() && !healthB.available(), 'both breakers open');
    await a.del('price:2');
    server.resume();

    // A does nothing more (an idle process). B reads as soon as its breaker lets it through: the
    // entry A could not invalidate is still in Redis (the control) and is not served.
    await eventually(() => healthB.available(), "B's breaker closes");
    expect(await b.get('price:2')).toBeUndefined();
    expect(await raw.get(`${prefix}c:price:2`)).not.toBeNull();
    await eventually(async () => (await b.get('never-set')) === undefined && healthB.available(), 'B reads Redis');
    expect(await b.get('price:2')).toBeUndefined();
  }, 60_000);
});
