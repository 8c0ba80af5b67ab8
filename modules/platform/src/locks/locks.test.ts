import { deleteRedisPrefix } from '../testing/test-env';
import { testEnvVar } from '../testing/database';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocks, LockTimeoutError } from './locks';
import type { Locks } from './types';

const redisUrl = () => testEnvVar('ZJ_TEST_REDIS_URL');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newPrefix = () => `zjt:locks:${randomBytes(4).toString('hex')}:`;

/** Runs `fn` under `keys` and fails the test if anyone else is inside any of those keys meanwhile. */
function exclusiveWork(inside: Map<string, number>, keys: string[], ms: number) {
  return async () => {
    for (const k of new Set(keys)) {
      if (inside.get(k)) throw new Error(`two holders inside ${k}`);
      inside.set(k, 1);
    }
    await sleep(ms);
    for (const k of new Set(keys)) inside.set(k, 0);
  };
}

const orders = [
  ['a', 'b', 'c'],
  ['c', 'b', 'a'],
  ['b', 'c'],
  ['c', 'a'],
  ['b', 'a', 'b'],
];

describe('locks across OS processes (Redis)', () => {
  const tsx = resolve(import.meta.dirname, '../../../../node_modules/.bin/tsx');
  const fixture = resolve(import.meta.dirname, 'counter.fixture.ts');
  let redis: Redis;
  const prefixes: string[] = [];
  beforeAll(() => {
    redis = new Redis(redisUrl());
  });
  afterAll(async () => {
    for (const p of prefixes) await deleteRedisPrefix(redisUrl(), p);
    redis.disconnect();
  });

  const child = (env: Record<string, string>) =>
    new Promise<void>((ok, fail) => {
      const p = spawn(tsx, [fixture], {
        env: { ...process.env, REDIS_URL: redisUrl(), ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      p.on('error', fail);
      p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`child exited ${code}: ${stderr}`))));
    });

  it('withLocks keeps a read–sleep–write counter exact; without it, updates are lost', async () => {
    const rounds = 40;
    const locked = newPrefix();
    const unlocked = newPrefix();
    prefixes.push(locked, unlocked);
    const controlRounds = 100; // unlocked rounds are quick; more of them make a lost update certain
    const run = (prefix: string, useLock: string, n: number) =>
      [0, 1].map(() => child({ PREFIX: prefix, ROUNDS: String(n), USE_LOCK: useLock, PARTIES: '2' }));
    await Promise.all([...run(locked, '1', rounds), ...run(unlocked, '0', controlRounds)]);

    expect(Number(await redis.get(`${locked}counter:locked`))).toBe(2 * rounds);
    // The control shows the test can fail: the same work without the lock loses increments.
    expect(Number(await redis.get(`${unlocked}counter:unlocked`))).toBeLessThan(2 * controlRounds);
    // Every lock key was released.
    expect(await redis.exists(`${locked}lock:counter`)).toBe(0);
  });
});

describe('locks (Redis)', () => {
  let prefix: string;
  let r1: Redis;
  let r2: Redis;
  // Two instances on two connections stand for two processes.
  let a: Locks;
  let b: Locks;
  beforeAll(async () => {
    prefix = newPrefix();
    r1 = new Redis(redisUrl());
    r2 = new Redis(redisUrl());
    a = createLocks({ redis: r1, prefix });
    b = createLocks({ redis: r2, prefix });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await deleteRedisPrefix(redisUrl(), prefix);
    r1.disconnect();
    r2.disconnect();
  });

  it('is in Redis mode and uses prefixed keys', async () => {
    expect(a.mode).toBe('redis');
    await a.withLocks(['sku:1'], async () => {
      expect(await r1.exists(`${prefix}lock:sku:1`)).toBe(1);
    });
    expect(await r1.exists(`${prefix}lock:sku:1`)).toBe(0);
  });

  it('takes overlapping key sets in any order without deadlock, one holder per key', async () => {
    const inside = new Map<string, number>();
    const tasks = Array.from({ length: 40 }, (_, i) => {
      const keys = orders[i % orders.length];
      return (i % 2 ? a : b).withLocks(keys, exclusiveWork(inside, keys, 1), { waitMs: 8_000 });
    });
    await expect(Promise.all(tasks)).resolves.toHaveLength(40);
  });

  it('extends a lock whose ttl is shorter than the work', async () => {
    let aborted = true;
    const holding = a.withLocks(
      ['ext'],
      async (signal) => {
        await sleep(900);
        aborted = signal.aborted;
      },
      { ttlMs: 250 },
    );
    await sleep(400); // past the first ttl
    await expect(b.withLocks(['ext'], async () => 'stolen', { waitMs: 200 })).rejects.toBeInstanceOf(LockTimeoutError);
    await holding;
    expect(aborted).toBe(false);
    await expect(b.withLocks(['ext'], async () => 'mine', { waitMs: 200 })).resolves.toBe('mine');
  });

  it('aborts the signal when the lock is taken away', async () => {
    const reason = await a.withLocks(
      ['lost'],
      async (signal) => {
        await r2.set(`${prefix}lock:lost`, 'someone-else', 'PX', 5_000);
        const t0 = Date.now();
        while (!signal.aborted && Date.now() - t0 < 2_000) await sleep(10);
        return signal.reason as unknown;
      },
      { ttlMs: 200 },
    );
    expect(reason).toBeInstanceOf(Error);
    expect((reason as Error).message).toMatch(/Lost the lock on lost/);
    // Our release does not delete the other owner's key.
    expect(await r1.get(`${prefix}lock:lost`)).toBe('someone-else');
  });

  it('throws a clear error after waitMs', async () => {
    let release!: () => void;
    const held = a.withLocks(
      ['busy'],
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    await sleep(20);
    const t0 = Date.now();
    const err = await b.withLocks(['busy', 'other'], async () => 1, { waitMs: 150 }).catch((e: unknown) => e);
    const waited = Date.now() - t0;
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as Error).message).toBe('Could not acquire lock on busy, other within 150 ms');
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(1_000);
    release();
    await held;
  });

  it('releases when fn throws', async () => {
    await expect(
      a.withLocks(['boom'], async () => {
        throw new Error('fn failed');
      }),
    ).rejects.toThrow('fn failed');
    expect(await r1.exists(`${prefix}lock:boom`)).toBe(0);
    await expect(b.withLocks(['boom'], async () => 'ok', { waitMs: 0 })).resolves.toBe('ok');
  });

  it('refuses new work after close', async () => {
    const c = createLocks({ redis: r1, prefix });
    await c.close();
    await expect(c.withLocks(['x'], async () => 1)).rejects.toThrow(/closed/);
  });
});

describe('locks (in-process)', () => {
  const locks = createLocks({ redis: null, prefix: 'unused:' });
  afterAll(() => locks.close());

  it('excludes within the process; the control without it loses updates', async () => {
    let counter = 0;
    const bump = async () => {
      const v = counter;
      await new Promise((r) => setImmediate(r));
      counter = v + 1;
    };
    await Promise.all(Array.from({ length: 50 }, () => bump()));
    expect(counter).toBeLessThan(50);
    counter = 0;
    await Promise.all(Array.from({ length: 50 }, () => locks.withLocks(['n'], bump)));
    expect(counter).toBe(50);
    expect(locks.mode).toBe('in-process');
  });

  it('takes overlapping key sets in any order without deadlock', async () => {
    const inside = new Map<string, number>();
    const tasks = Array.from({ length: 40 }, (_, i) =>
      locks.withLocks(orders[i % orders.length], exclusiveWork(inside, orders[i % orders.length], 1)),
    );
    await expect(Promise.all(tasks)).resolves.toHaveLength(40);
  });

  it('serves waiters first come, first served; a timed-out waiter leaves the queue', async () => {
    const served: string[] = [];
    let release!: () => void;
    const held = locks.withLocks(
      ['q'],
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    const w1 = locks.withLocks(['q'], async () => {
      served.push('w1');
    });
    const late = locks.withLocks(
      ['q'],
      async () => {
        served.push('late');
      },
      { waitMs: 50 },
    );
    const w2 = locks.withLocks(['q'], async () => {
      served.push('w2');
    });
    await expect(late).rejects.toThrow('Could not acquire lock on q within 50 ms');
    release();
    await Promise.all([held, w1, w2]);
    expect(served).toEqual(['w1', 'w2']);
  });

  it('releases when fn throws and gives the next caller the key', async () => {
    await expect(
      locks.withLocks(['t'], async () => {
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    await expect(locks.withLocks(['t'], async () => 'next', { waitMs: 0 })).resolves.toBe('next');
  });
});
