import { afterAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import {
  createCallerFactory,
  createContextFactory,
  createPlatform,
  newId,
  router,
  type Platform,
} from '@zjmall/platform';
import { captureSql } from '@zjmall/platform/testing';
import { createIdentityRouters, createIdentityService, type IdentityService } from './index';
import { TEST_CONFIG, createHarness, failure, newUser } from './testing/harness';

/**
 * Issue 15, revocation: a user's access (role, disabled, token version) is checked on every call
 * from the shared cache; changes through identity reach every process at once, and a change made
 * directly in the database within the cache's lifetime.
 */
const h = await createHarness('identity_access');

// "Another process": its own platform (database pool, Redis client, NATS connection, in-memory cache)
// over the same database, Redis prefix and NATS subjects.
const others: Platform[] = [];
async function otherProcess(accessTtlSeconds?: number) {
  const platform = await createPlatform(h.env.config, h.log, 'identity-access-2');
  others.push(platform);
  const svc = createIdentityService({
    db: h.db,
    config: TEST_CONFIG,
    jwtSecret: h.jwtSecret,
    log: h.log,
    cache: platform.cache,
    accessTtlSeconds,
  });
  return { svc, caller: callerOf(svc) };
}
afterAll(async () => {
  for (const p of others) await p.close();
  await h.close();
});

function callerOf(svc: IdentityService) {
  const appRouter = router(createIdentityRouters(svc));
  const make = createCallerFactory(appRouter);
  const context = createContextFactory({ authenticate: svc.authenticate, log: h.log });
  return (token?: string) =>
    make(context({ requestId: 'test', ip: '127.0.0.1', authorization: token ? `Bearer ${token}` : undefined }));
}

async function admin() {
  const input = newUser();
  await h.svc.ensureAdmin(input.email, input.password);
  return h.svc.login({ email: input.email, password: input.password });
}

async function customer() {
  const input = newUser();
  const { user, token } = await h.svc.register(input);
  return { user, token, input };
}

/** Polls `fn` until `ok` holds; fails after `ms`. */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const roleOf = async (svc: IdentityService, token: string) => {
  const r = await svc.authenticate(token);
  return r.ok && r.auth.kind === 'user' ? r.auth.role : r.ok ? 'guest' : r.reason;
};

describe('identity.admin.setRole', () => {
  it('demotes at once here and in another process; the old token keeps its user but not the role', async () => {
    const a = await admin();
    const b = await admin();
    const other = await otherProcess();
    expect(await roleOf(other.svc, b.token)).toBe('admin'); // the other process holds b's access now

    const out = await h.caller(a.token).identity.admin.setRole({ userId: b.user.id, role: 'customer' });
    expect(out).toMatchObject({ id: b.user.id, role: 'customer', disabled: false });
    expect(await roleOf(h.svc, b.token)).toBe('customer');
    expect(
      await until(
        () => roleOf(other.svc, b.token),
        (r) => r === 'customer',
      ),
    ).toBe('customer');
    const refused = await failure(
      h,
      other.caller(b.token).identity.admin.setRole({ userId: a.user.id, role: 'customer' }),
    );
    expect([refused.code, refused.data.appCode]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(await other.caller(b.token).auth.me()).toMatchObject({ id: b.user.id, role: 'customer' });

    await h.caller(a.token).identity.admin.setRole({ userId: b.user.id, role: 'admin' });
    expect(
      await until(
        () => roleOf(other.svc, b.token),
        (r) => r === 'admin',
      ),
    ).toBe('admin');
  });

  it('refuses customers, unknown users and bad input', async () => {
    const a = await admin();
    const c = await customer();
    const forbidden = await failure(h, h.caller(c.token).identity.admin.setRole({ userId: c.user.id, role: 'admin' }));
    expect(forbidden.data.appCode).toBe('FORBIDDEN');
    const unknown = await failure(h, h.caller(a.token).identity.admin.setRole({ userId: newId(), role: 'customer' }));
    expect([unknown.code, unknown.data.appCode]).toEqual(['NOT_FOUND', 'USER_NOT_FOUND']);
    const bad = await failure(
      h,
      h.caller(a.token).identity.admin.setRole({ userId: c.user.id, role: 'root' as 'admin' }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.data.zodError?.fieldErrors.role).toBeDefined();
  });

  it('a change made directly in the database shows within the access lifetime, in every process', async () => {
    const a = await admin();
    const other = await otherProcess(1);
    expect(await roleOf(other.svc, a.token)).toBe('admin');
    await h.db.query(`UPDATE identity.users SET role = 'customer' WHERE id = $1`, { bind: [a.user.id] });
    const start = Date.now();
    expect(
      await until(
        () => roleOf(other.svc, a.token),
        (r) => r === 'customer',
        5_000,
      ),
    ).toBe('customer');
    expect(Date.now() - start).toBeLessThan(5_000);
  });
});

describe('identity.admin.setDisabled', () => {
  it("stops a disabled user's tokens everywhere (ACCOUNT_DISABLED) and their login; re-enabling needs a new sign-in", async () => {
    const a = await admin();
    const c = await customer();
    const other = await otherProcess();
    expect(await other.caller(c.token).auth.me()).toMatchObject({ id: c.user.id });

    expect(await h.caller(a.token).identity.admin.setDisabled({ userId: c.user.id, disabled: true })).toMatchObject({
      disabled: true,
    });
    const here = await failure(h, h.caller(c.token).auth.me());
    expect([here.code, here.data.appCode]).toEqual(['FORBIDDEN', 'ACCOUNT_DISABLED']);
    expect(
      await until(
        () => roleOf(other.svc, c.token),
        (r) => r === 'disabled',
      ),
    ).toBe('disabled');
    const login = await failure(h, h.caller().auth.login({ email: c.input.email, password: c.input.password }));
    expect([login.code, login.data.appCode]).toEqual(['FORBIDDEN', 'ACCOUNT_DISABLED']);
    // The wrong password still says only that: a disabled account is not revealed to a guesser.
    const guess = await failure(h, h.caller().auth.login({ email: c.input.email, password: 'not the password' }));
    expect(guess.data.appCode).toBe('INVALID_CREDENTIALS');

    await h.caller(a.token).identity.admin.setDisabled({ userId: c.user.id, disabled: false });
    const old = await failure(h, h.caller(c.token).auth.me());
    expect([old.code, old.data.appCode]).toEqual(['UNAUTHORIZED', 'UNAUTHENTICATED']);
    const again = await h.caller().auth.login({ email: c.input.email, password: c.input.password });
    expect(await other.caller(again.token).auth.me()).toMatchObject({ id: c.user.id, role: 'customer' });
  });
});

describe('the last admin', () => {
  it('cannot demote or disable themself; with another admin they can; two at once leave one', async () => {
    // Only the admins of this test stay active.
    await h.db.query(`UPDATE identity.users SET role = 'customer' WHERE role = 'admin'`);
    const a = await admin();
    // One at a time: a call made before the previous one is awaited could reject unobserved.
    for (const call of [
      () => h.caller(a.token).identity.admin.setRole({ userId: a.user.id, role: 'customer' }),
      () => h.caller(a.token).identity.admin.setDisabled({ userId: a.user.id, disabled: true }),
    ]) {
      const err = await failure(h, call());
      expect([err.code, err.data.appCode]).toEqual(['CONFLICT', 'LAST_ADMIN']);
    }
    expect(await roleOf(h.svc, a.token)).toBe('admin');

    const b = await admin();
    const results = await Promise.allSettled([
      h.caller(a.token).identity.admin.setRole({ userId: a.user.id, role: 'customer' }),
      h.caller(b.token).identity.admin.setRole({ userId: b.user.id, role: 'customer' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const [{ n }] = await h.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM identity.users WHERE role = 'admin' AND disabled_at IS NULL`,
      {
        type: QueryTypes.SELECT,
      },
    );
    expect(n).toBe(1);
  });
});

describe('auth.signOutEverywhere', () => {
  it('stops every token of the caller in every process; new sign-ins and guests are unaffected', async () => {
    const c = await customer();
    const second = await h.svc.login({ email: c.input.email, password: c.input.password });
    const guest = await h.svc.guest();
    const other = await otherProcess();
    expect(await roleOf(other.svc, second.token)).toBe('customer');

    expect(await h.caller(c.token).auth.signOutEverywhere()).toEqual({ signedOut: true });
    for (const t of [c.token, second.token]) {
      const err = await failure(h, h.caller(t).auth.me());
      expect([err.code, err.data.appCode]).toEqual(['UNAUTHORIZED', 'UNAUTHENTICATED']);
      expect(
        await until(
          () => roleOf(other.svc, t),
          (r) => r === 'revoked',
        ),
      ).toBe('revoked');
    }
    expect(await h.caller(guest.token).auth.me()).toEqual({ guestId: guest.guestId, role: 'guest' });
    const fresh = await h.svc.login({ email: c.input.email, password: c.input.password });
    expect(await other.caller(fresh.token).auth.me()).toMatchObject({ id: c.user.id });
    const guestCall = await failure(h, h.caller(guest.token).auth.signOutEverywhere());
    expect(guestCall.data.appCode).toBe('UNAUTHENTICATED');
  });
});

describe('the hot path', () => {
  it('a known token of a known user costs no database statement', async () => {
    const c = await customer();
    expect(await roleOf(h.svc, c.token)).toBe('customer');
    const { result, statements } = await captureSql(() => h.svc.authenticate(c.token));
    expect(result.ok).toBe(true);
    expect(statements).toEqual([]);
  });
});
