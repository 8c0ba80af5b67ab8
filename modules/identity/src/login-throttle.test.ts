import { afterAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { newId } from '@zjmall/platform';
import { createHarness, failure, newUser } from './testing/harness';
import { LOGIN_MAX_ATTEMPTS, LOGIN_WINDOW_SECONDS } from './login-throttle';
import { authThrottled } from './auth.metrics';

const h = await createHarness();
afterAll(() => h.close());

const login = (email: string, password: string) => h.caller().auth.login({ email, password });

/** zjmall_auth_throttled_total's count of this action and reason in this process. */
async function throttled(action: string, reason: string): Promise<number> {
  const { values } = await authThrottled.get();
  return values.find((v) => v.labels.action === action && v.labels.reason === reason)?.value ?? 0;
}

async function failTimes(email: string, n: number) {
  for (let i = 0; i < n; i++) {
    const err = await failure(h, login(email, `wrong password ${i}`));
    expect(err.data.appCode).toBe('INVALID_CREDENTIALS');
  }
}

/** Moves this account's window into the past, as if the time had passed (the window uses the DB clock). */
async function age(email: string, seconds: number) {
  await h.db.query(
    `UPDATE identity.login_throttle SET window_started_at = window_started_at - make_interval(secs => $2) WHERE email = $1`,
    { bind: [email.toLowerCase(), seconds] },
  );
}

describe('login throttling', () => {
  it('refuses even the right password after 5 failures, with retryAfterSeconds, until the window passes', async () => {
    const u = newUser();
    await h.caller().auth.register(u);
    await failTimes(u.email, LOGIN_MAX_ATTEMPTS);
    for (const password of [u.password, 'wrong again']) {
      const err = await failure(h, login(u.email.toUpperCase(), password));
      expect(err.code).toBe('TOO_MANY_REQUESTS');
      expect(err.data.appCode).toBe('RATE_LIMITED');
      const retry = (err.data.details as { retryAfterSeconds: number }).retryAfterSeconds;
      expect(retry).toBeGreaterThan(LOGIN_WINDOW_SECONDS - 60);
      expect(retry).toBeLessThanOrEqual(LOGIN_WINDOW_SECONDS);
    }
    await age(u.email, LOGIN_WINDOW_SECONDS - 30);
    const err = await failure(h, login(u.email, u.password));
    expect((err.data.details as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(30);
    await age(u.email, 31);
    expect((await login(u.email, u.password)).user.email).toBe(u.email.toLowerCase());
  });

  it('resets the count on a successful login', async () => {
    const u = newUser();
    await h.caller().auth.register(u);
    await failTimes(u.email, LOGIN_MAX_ATTEMPTS - 1);
    await login(u.email, u.password);
    await failTimes(u.email, LOGIN_MAX_ATTEMPTS - 1);
    await login(u.email, u.password);
    const rows = await h.db.query(`SELECT 1 FROM identity.login_throttle WHERE email = $1`, {
      bind: [u.email.toLowerCase()],
      type: QueryTypes.SELECT,
    });
    expect(rows).toHaveLength(0);
  });

  it('throttles unknown emails the same way (no account enumeration by the limit)', async () => {
    const email = `nobody-${newId()}@example.com`;
    await failTimes(email, LOGIN_MAX_ATTEMPTS);
    expect((await failure(h, login(email, 'whatever1'))).data.appCode).toBe('RATE_LIMITED');
  });

  it('counts across processes and lets no more than 5 parallel guesses through', async () => {
    const u = newUser();
    await h.caller().auth.register(u);
    const before = await throttled('login', 'account');
    const other = h.service(); // a second BFF process: same database, own memory
    const guesses = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        i % 2
          ? other.login({ email: u.email, password: `guess ${i}` })
          : h.svc.login({ email: u.email, password: `guess ${i}` }),
      ),
    );
    const codes = guesses.map((g) => (g.status === 'rejected' ? (g.reason as { appCode: string }).appCode : 'ok'));
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(LOGIN_MAX_ATTEMPTS);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(12 - LOGIN_MAX_ATTEMPTS);
    await expect(other.login({ email: u.email, password: u.password })).rejects.toMatchObject({
      appCode: 'RATE_LIMITED',
    });
    // Each refusal is counted for the throttling alert (the two services share this process's counter).
    expect((await throttled('login', 'account')) - before).toBe(12 - LOGIN_MAX_ATTEMPTS + 1);
    expect(await throttled('login', 'hash_busy')).toBe(0);
  });

  it('sweeps windows that have passed', async () => {
    const email = `sweep-${newId()}@example.com`;
    await failTimes(email, 1);
    await age(email, LOGIN_WINDOW_SECONDS + 1);
    expect(await h.svc.sweepLoginThrottle()).toBeGreaterThanOrEqual(1);
    const rows = await h.db.query(`SELECT 1 FROM identity.login_throttle WHERE email = $1`, {
      bind: [email],
      type: QueryTypes.SELECT,
    });
    expect(rows).toHaveLength(0);
  });
});
