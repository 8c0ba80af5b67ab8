import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, createRedisHealth, rateLimitFailOpen, RESILIENT_REDIS_OPTIONS } from '@zjmall/platform';
import { deleteRedisPrefix, testEnvVar } from '@zjmall/platform/testing';
import { redisRateLimitStore } from './rate-limit-store';

const log = createLogger('silent');
const failOpen = async () => (await rateLimitFailOpen.get()).values[0]?.value ?? 0;

// Pins the custom store's contract with @fastify/rate-limit: counts shared in Redis, fail open.
describe('redisRateLimitStore', () => {
  const prefix = `zjt:rl:${randomBytes(4).toString('hex')}:`;
  const redisUrl = testEnvVar('ZJ_TEST_REDIS_URL');
  afterAll(() => deleteRedisPrefix(redisUrl, prefix));

  const app = async (client: Redis) => {
    const health = createRedisHealth(client, 'main', log);
    const a = Fastify();
    await a.register(rateLimit, {
      global: true,
      max: 3,
      timeWindow: 60_000,
      store: redisRateLimitStore(health, prefix),
      skipOnError: true,
    });
    a.get('/x', async () => ({ ok: true }));
    await a.ready();
    return { a, health };
  };

  it('limits per key across instances sharing Redis, and lets requests through (counted) while Redis is away', async () => {
    const c1 = new Redis(redisUrl, RESILIENT_REDIS_OPTIONS);
    const c2 = new Redis(redisUrl, RESILIENT_REDIS_OPTIONS);
    await Promise.all([c1.connect(), c2.connect()]);
    const one = await app(c1);
    const two = await app(c2);
    const codes: number[] = [];
    for (const { a } of [one, two, one, two]) codes.push((await a.inject({ url: '/x' })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const r = await one.a.inject({ url: '/x' });
    expect(r.statusCode).toBe(429);
    expect(Number(r.headers['x-ratelimit-limit'])).toBe(3);

    const before = await failOpen();
    c1.disconnect(); // the breaker opens on the closed connection
    const afterDown = await one.a.inject({ url: '/x' });
    expect(afterDown.statusCode).toBe(200);
    expect(await failOpen()).toBe(before + 1);
    expect(one.health.available()).toBe(false);

    await one.a.close();
    await two.a.close();
    one.health.close();
    two.health.close();
    c2.disconnect();
  });
});
