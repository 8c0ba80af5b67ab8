import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@zjmall/platform/testing';
import { allMigrations } from '@zjmall/api';
import { spawnBff, type BffProcess } from './support/bff';

/**
 * Issue 15, revocation across processes: `npm start` with BFF_PROCESSES=2 on a private database,
 * Redis prefix and NATS stream. Every check runs over fresh connections, which node:cluster's
 * primary hands to its two processes in turn, so a run of calls that all answer the same was
 * answered by both processes; each run is first seen succeeding, so both processes held the
 * user's access in memory before the change.
 */
const ADMIN = { email: 'root@revocation.example', password: 'root password 1' };
const RUN = 6;

let env: TestEnv;
let bff: BffProcess;
beforeAll(async () => {
  env = await createTestEnv({ label: 'revoke', modules: allMigrations });
  bff = await spawnBff({
    ...env.childEnv,
    BFF_PROCESSES: '2',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'info',
  });
  for (let i = 0; i < 300 && (bff.output().match(/zjmall BFF listening/g) ?? []).length < 2; i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(bff.output().match(/zjmall BFF listening/g) ?? []).toHaveLength(2);
}, 120_000);
afterAll(async () => {
  if (bff) expect(await bff.stop()).toBe(0);
  await env?.close();
});

interface Answer {
  status: number;
  appCode?: string;
  data?: unknown;
}

/** One call on a fresh connection (the next process in turn). */
async function call(path: string, token: string | null, input?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { connection: 'close', 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const r =
    input === undefined
      ? await fetch(`${bff.url}/trpc/${path}`, { headers })
      : await fetch(`${bff.url}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) });
  const body = (await r.json()) as { result?: { data: unknown }; error?: { data: { appCode?: string } } };
  return { status: r.status, appCode: body.error?.data.appCode, data: body.result?.data };
}

/** `RUN` calls in a row (both processes), as `status/appCode` strings. */
async function run(path: string, token: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < RUN; i++) {
    const a = await call(path, token);
    out.push(a.appCode ? `${a.status}/${a.appCode}` : String(a.status));
  }
  return out;
}

/** Repeats runs until every call of one run answers `want`; returns the time it took. */
async function untilEvery(path: string, token: string, want: string, ms: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const got = await run(path, token);
    if (got.every((s) => s === want)) return Date.now() - start;
    if (Date.now() - start > ms)
      throw new Error(`not every call answered ${want} within ${ms} ms; last run: ${got.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function login(email: string, password: string): Promise<string> {
  const a = await call('auth.login', null, { email, password });
  expect(a.status).toBe(200);
  return (a.data as { token: string }).token;
}

/** A registered user, promoted to admin by root when `admin`; answers their id and a token. */
async function user(rootToken: string, admin: boolean) {
  const email = `u${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}@revocation.example`;
  const reg = await call('auth.register', null, { email, password: 'password 12345', name: 'User' });
  const id = (reg.data as { user: { id: string } }).user.id;
  if (admin) expect((await call('identity.admin.setRole', rootToken, { userId: id, role: 'admin' })).status).toBe(200);
  return { id, email, token: await login(email, 'password 12345') };
}

describe('revocation with BFF_PROCESSES=2', () => {
  it('a demoted admin is refused by every process within seconds; auth.me says customer', async () => {
    const root = await login(ADMIN.email, ADMIN.password);
    const b = await user(root, true);
    expect(await run('order.admin.list', b.token)).toEqual(Array(RUN).fill('200'));
    expect((await call('identity.admin.setRole', root, { userId: b.id, role: 'customer' })).status).toBe(200);
    expect(await untilEvery('order.admin.list', b.token, '403/FORBIDDEN', 5_000)).toBeLessThan(5_000);
    expect((await call('auth.me', b.token)).data).toMatchObject({ id: b.id, role: 'customer' });
  });

  it('a disabled admin is refused by every process (ACCOUNT_DISABLED) and cannot sign in', async () => {
    const root = await login(ADMIN.email, ADMIN.password);
    const b = await user(root, true);
    expect(await run('order.admin.list', b.token)).toEqual(Array(RUN).fill('200'));
    expect((await call('identity.admin.setDisabled', root, { userId: b.id, disabled: true })).status).toBe(200);
    await untilEvery('order.admin.list', b.token, '403/ACCOUNT_DISABLED', 5_000);
    const again = await call('auth.login', null, { email: b.email, password: 'password 12345' });
    expect([again.status, again.appCode]).toEqual([403, 'ACCOUNT_DISABLED']);
  });

  it('auth.signOutEverywhere stops the caller’s tokens in every process', async () => {
    const root = await login(ADMIN.email, ADMIN.password);
    const c = await user(root, false);
    const other = await login(c.email, 'password 12345');
    expect(await run('auth.me', other)).toEqual(Array(RUN).fill('200'));
    expect((await call('auth.signOutEverywhere', c.token, {})).status).toBe(200);
    await untilEvery('auth.me', other, '401/UNAUTHENTICATED', 5_000);
    await untilEvery('auth.me', c.token, '401/UNAUTHENTICATED', 5_000);
  });

  it('a role changed directly in the database takes effect in every process within 30 s', async () => {
    const root = await login(ADMIN.email, ADMIN.password);
    const d = await user(root, true);
    expect(await run('order.admin.list', d.token)).toEqual(Array(RUN).fill('200'));
    await env.platform.db.query(`UPDATE identity.users SET role = 'customer' WHERE id = $1`, { bind: [d.id] });
    expect(await untilEvery('order.admin.list', d.token, '403/FORBIDDEN', 30_000)).toBeLessThan(30_000);
  }, 60_000);
});
