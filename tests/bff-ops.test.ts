import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@zjmall/platform/testing';
import { allMigrations } from '@zjmall/api';
import { spawnBff, startTestBff, type BffProcess, type TestBff } from './support/bff';

const ping = (url: string, headers: Record<string, string> = {}) => fetch(`${url}/trpc/health.ping`, { headers });

describe('operations endpoints', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'ops', env: { RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(() => bff?.close());

  it('reports readiness of PostgreSQL, Redis and NATS', async () => {
    const r = await fetch(`${bff.url}/ready`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      ok: true,
      checks: { database: true, redis: true, nats: true },
      degraded: [],
      pendingConsumers: [],
    });
  });

  it('limits requests per client IP in Redis, with the tRPC error shape, and never limits /health', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await ping(bff.url)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await ping(bff.url);
    expect(limited.status).toBe(429);
    // Clients are told when to come back (seconds), as HTTP says.
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as { error: { data: Record<string, unknown> } };
    expect(body.error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429, appCode: 'RATE_LIMITED' });
    // The counter lives in Redis under this deployment's prefix, so every process shares it.
    const keys = await bff.env.platform.redis!.keys(`${bff.env.config.REDIS_KEY_PREFIX}rl:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect((await fetch(`${bff.url}/health`)).status).toBe(200);
  });
});

describe('BFF_PROCESSES=2 (node:cluster)', () => {
  let env: TestEnv;
  let bff: BffProcess;
  beforeAll(async () => {
    env = await createTestEnv({ label: 'cluster', modules: allMigrations });
    bff = await spawnBff({ ...env.childEnv, BFF_PROCESSES: '2', LOG_LEVEL: 'info' });
    // /health answers once the first process listens; wait for the second too.
    for (let i = 0; i < 300 && (bff.output().match(/zjmall BFF listening/g) ?? []).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);
  afterAll(async () => {
    if (bff) expect(await bff.stop()).toBe(0);
    await env?.close();
  });

  it('runs two processes and aggregates their metrics', async () => {
    const calls = 40;
    for (let i = 0; i < calls; i++) expect((await ping(bff.url, { connection: 'close' })).status).toBe(200);
    const text = await (await fetch(`${bff.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('zjmall_trpc_procedure_duration_seconds_count') && l.includes('path="health.ping"'));
    expect(line).toBeDefined();
    expect(Number(line!.split(' ').pop())).toBe(calls);
    // Both processes served: each labels its log lines with its worker id.
    expect(bff.output().match(/zjmall BFF listening/g) ?? []).toHaveLength(2);
  });
});

describe('CORS', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'cors', env: { CORS_ORIGINS: 'https://shop.example.com' } });
  });
  afterAll(() => bff?.close());

  it('allows configured origins only and varies tRPC answers by Origin', async () => {
    const ok = await fetch(`${bff.url}/trpc/health.ping`, { headers: { origin: 'https://shop.example.com' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(ok.headers.get('vary')?.toLowerCase()).toContain('origin');
    expect(ok.headers.get('vary')?.toLowerCase()).toContain('trpc-accept');
    const other = await fetch(`${bff.url}/trpc/health.ping`, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
