import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '@zjmall/platform/testing';
import { createLogger } from '@zjmall/platform';
import { allMigrations, createServices, type Services } from '@zjmall/api';
import { buildApp } from '@zjmall/bff';

/** LOG_REQUESTS: one info line per request (method, path or procedure, status, ms, request id). */
let env: TestEnv;
let services: Services;
beforeAll(async () => {
  env = await createTestEnv({ label: 'reqlog', modules: allMigrations });
  services = createServices(env.platform, {
    jwtSecret: env.config.JWT_SECRET!,
    paymentCallbackSecret: env.config.PAYMENT_CALLBACK_SECRET!,
  });
});
afterAll(() => env?.close());

async function appLogging(
  logRequests: boolean,
): Promise<{ app: FastifyInstance; lines: () => Record<string, unknown>[] }> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  const log = createLogger('info', 'bff', { destination: stream });
  const platform = { ...env.platform, config: { ...env.config, LOG_REQUESTS: logRequests } };
  const app = await buildApp({ runtime: { platform, services }, log });
  await app.ready();
  return {
    app,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('request log', () => {
  it('logs one info line per request with LOG_REQUESTS=true; probes only at debug', async () => {
    const { app, lines } = await appLogging(true);
    try {
      await app.inject({
        method: 'GET',
        url: '/trpc/catalog.brands?input=%7B%7D',
        headers: { 'x-request-id': 'req-brands-1' },
      });
      await app.inject({
        method: 'POST',
        url: '/trpc/auth.login',
        payload: { email: 'nobody@example.com', password: 'wrong password' },
      });
      await app.inject({ method: 'GET', url: '/media/demo/nope.svg' });
      await app.inject({ method: 'GET', url: '/health' });
      await new Promise((r) => setImmediate(r));
      const requests = lines().filter((l) => 'status' in l && 'method' in l);
      expect(requests.map((l) => [l.level, l.method, l.procedure ?? l.path, l.status])).toEqual([
        [30, 'GET', 'catalog.brands', 200],
        [30, 'POST', 'auth.login', 401],
        [30, 'GET', '/media/demo/nope.svg', 404],
      ]);
      expect(requests[0]).toMatchObject({
        reqId: 'req-brands-1',
        path: '/trpc/catalog.brands',
        msg: expect.stringMatching(/^GET catalog\.brands 200 [\d.]+ ms$/),
      });
      expect(typeof requests[0].ms).toBe('number');
      expect(JSON.stringify(requests)).not.toContain('input=');
      expect(lines().some((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('logs no request lines with LOG_REQUESTS=false', async () => {
    const { app, lines } = await appLogging(false);
    try {
      await app.inject({ method: 'GET', url: '/trpc/catalog.brands' });
      await new Promise((r) => setImmediate(r));
      expect(lines().filter((l) => 'status' in l)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
