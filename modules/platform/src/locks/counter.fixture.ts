/**
 * Child process of locks.test.ts: increments a Redis counter ROUNDS times with a deliberately
 * non-atomic read–sleep–write, inside withLocks unless USE_LOCK=0 (the control that loses updates).
 */
import { Redis } from 'ioredis';
import { createLocks } from './locks';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const redis = new Redis(env('REDIS_URL'));
const prefix = env('PREFIX');
const rounds = Number(env('ROUNDS'));
const useLock = process.env.USE_LOCK !== '0';
const locks = createLocks({ redis, prefix });
const counterKey = `${prefix}counter:${useLock ? 'locked' : 'unlocked'}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function increment(): Promise<void> {
  const v = Number((await redis.get(counterKey)) ?? '0');
  // A random pause, so the two processes cannot fall into a lockstep that hides lost updates.
  await sleep(1 + Math.random() * 2);
  await redis.set(counterKey, String(v + 1));
}

try {
  // A barrier: start only when every sibling is up, so they really contend.
  const parties = Number(env('PARTIES'));
  await redis.incr(`${prefix}ready`);
  while (Number(await redis.get(`${prefix}ready`)) < parties) await sleep(5);
  for (let i = 0; i < rounds; i++) {
    if (useLock) await locks.withLocks(['counter'], increment, { waitMs: 20_000 });
    else await increment();
  }
} finally {
  await locks.close();
  await redis.quit();
}
