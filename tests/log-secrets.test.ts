import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@zjmall/client';
import { createTestEnv, type TestEnv } from '@zjmall/platform/testing';
import { allMigrations } from '@zjmall/api';
import { newId } from '@zjmall/platform';
import { spawnBff, type BffProcess } from './support/bff';

/**
 * A BFF's own output (JSON lines at debug, as a log pipeline gets them) after sign-ups, sign-ins
 * right and wrong, bearer-token calls and failures: every line parses, carries an ISO time and the
 * service, request lines carry the request id, and no line holds the JWT secret, a token or a password.
 */
let env: TestEnv;
let bff: BffProcess;
beforeAll(async () => {
  env = await createTestEnv({ label: 'logsecrets', modules: allMigrations });
  bff = await spawnBff({
    ...env.childEnv,
    LOG_LEVEL: 'debug',
    ADMIN_EMAIL: 'ops.admin@example.com',
    ADMIN_PASSWORD: 'admin secret pw 1',
  });
}, 120_000);
afterAll(async () => {
  await bff?.stop();
  await env?.close();
});

describe('logs', () => {
  it('hold no secret, token or password, and carry time, service and request id', async () => {
    const password = `pw-${newId()}`;
    const email = `logs.${newId().slice(-8)}@example.com`;
    const anon = createShopClient(bff.url);
    const { token } = await anon.auth.register.mutate({ email, password, name: 'Log Reader' });
    await expect(anon.auth.login.mutate({ email, password: `${password}-wrong` })).rejects.toThrow();
    const login = await anon.auth.login.mutate({ email, password });
    const me = createShopClient(bff.url, { token: login.token });
    await me.cart.get.query();
    await me.order.list.query({});
    const admin = await anon.auth.login.mutate({ email: 'ops.admin@example.com', password: 'admin secret pw 1' });
    // A forged token, a token in a query string, a malformed input.
    await fetch(`${bff.url}/trpc/cart.get`, { headers: { authorization: `Bearer ${token}x` } });
    await fetch(`${bff.url}/trpc/cart.get?token=${encodeURIComponent(token)}`);
    await fetch(`${bff.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ email: 'not an email', password }),
    });
    const code = await bff.stop();
    expect(code).toBe(0);

    const out = bff.output();
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) {
      expect(l.time, JSON.stringify(l)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(l.service).toBe('bff');
    }
    const requests = lines.filter((l) => l.procedure === 'auth.login');
    expect(requests.length).toBe(4);
    for (const r of requests) expect(r.reqId).toEqual(expect.any(String));

    for (const secret of [
      env.childEnv.JWT_SECRET,
      env.childEnv.PAYMENT_CALLBACK_SECRET,
      token,
      login.token,
      admin.token,
      password,
      'admin secret pw 1',
    ]) {
      expect(out.includes(secret), `a log line holds ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});
