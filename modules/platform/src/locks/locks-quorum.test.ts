import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '../logger';
import { locksWithoutRedis } from '../metrics';
import { RESILIENT_REDIS_OPTIONS } from '../redis/redis-health';
import { startPrivateRedisServer, type PrivateRedisServer } from '../testing/redis-server';
import { createLocks } from './locks';
import type { Locks } from './types';

const log = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const withoutRedis = async () => (await locksWithoutRedis.get()).values[0]?.value ?? 0;

/** Runs `fn` under `keys` and fails if anyone else is inside any of those keys meanwhile. */
function exclusiveWork(inside: Map<string, number>, keys: string[], ms: number) {
  return async () => {
    for (const k of keys) {
      if (inside.get(k)) throw new Error(`two holders inside ${k}`);
      inside.set(k, 1);
    }
    await sleep(ms);
    for (const k of keys) inside.set(k, 0);
  };
}

describe('Redlock over three independent Redis servers (REDLOCK_URLS)', () => {
  const servers: PrivateRedisServer[] = [];
  const clients: Redis[] = [];
  const made: Locks[] = [];

  /** One process's Locks: its own connection to each of the servers. */
  const processLocks = async (): Promise<Locks> => {
    const list: Redis[] = [];
    for (const s of servers) {
      const c = new Redis(s.url, RESILIENT_REDIS_OPTIONS);
      await c.connect();
      list.push(c);
    }
    clients.push(...list);
    const locks = createLocks({ redis: list, prefix: 'zjt:quorum:', log });
    made.push(locks);
    return locks;
  };

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) servers.push(await startPrivateRedisServer());
  }, 60_000);
  afterAll(async () => {
    for (const l of made) await l.close();
    for (const c of clients) c.disconnect();
    for (const s of servers) await s.dispose();
  });

  it('keeps one holder per key, without a stall, when one of the three dies mid-run', async () => {
    const a = await processLocks();
    const b = await processLocks();
    const before = await withoutRedis();
    const inside = new Map<string, number>();
    const keySets = [['sku:1'], ['sku:1', 'sku:2'], ['sku:2'], ['sku:2', 'sku:3'], ['sku:3', 'sku:1']];
    let done = 0;
    const run = (locks: Locks, i: number) =>
      locks
        .withLocks(keySets[i % keySets.length], exclusiveWork(inside, keySets[i % keySets.length], 2), {
          waitMs: 30_000,
        })
        .then(() => done++);
    const tasks = Array.from({ length: 120 }, (_, i) => run(i % 2 ? a : b, i));
    // Kill the second server once the run is under way.
    while (done < 20) await sleep(5);
    await servers[1].kill();
    await Promise.all(tasks);
    expect(done).toBe(120);
    // The two survivors are a majority: every lock was a real Redlock, none ran on PostgreSQL alone.
    expect(await withoutRedis()).toBe(before);
    // And locks taken after the death still exclude across the two processes.
    const after = Array.from({ length: 40 }, (_, i) => run(i % 2 ? a : b, i));
    await Promise.all(after);
    expect(done).toBe(160);
    expect(await withoutRedis()).toBe(before);
    await servers[1].start();
  }, 120_000);

  it('runs on PostgreSQL alone (counted) when no majority is reachable, instead of stalling', async () => {
    const a = await processLocks();
    const before = await withoutRedis();
    await servers[0].kill();
    await servers[2].kill();
    const ran = await a.withLocks(['sku:9'], async () => 'ran', { waitMs: 30_000 });
    expect(ran).toBe('ran');
    expect(await withoutRedis()).toBeGreaterThan(before);
    await servers[0].start();
    await servers[2].start();
  }, 60_000);
});

describe('Redlock on one Redis (REDIS_URL) that dies', () => {
  let server: PrivateRedisServer;
  let client: Redis;
  let locks: Locks;
  beforeAll(async () => {
    server = await startPrivateRedisServer();
    client = new Redis(server.url, RESILIENT_REDIS_OPTIONS);
    await client.connect();
    locks = createLocks({ redis: client, prefix: 'zjt:single:', log });
  }, 30_000);
  afterAll(async () => {
    await locks.close();
    client.disconnect();
    await server.dispose();
  });

  it('runs without Redis while it is away and with it again once it is back', async () => {
    expect(await locks.withLocks(['k'], async () => 1)).toBe(1);
    const before = await withoutRedis();
    await server.kill();
    expect(await locks.withLocks(['k'], async () => 2, { waitMs: 30_000 })).toBe(2);
    expect(await withoutRedis()).toBe(before + 1);
    await server.start();
    // Back: the lock key appears in Redis again while held.
    const deadline = Date.now() + 20_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      seen = await locks.withLocks(['k'], async () => (await client.exists('zjt:single:lock:k').catch(() => 0)) === 1);
      if (!seen) await sleep(50);
    }
    expect(seen).toBe(true);
  }, 60_000);
});
