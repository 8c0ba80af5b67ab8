import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes, scrypt } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { createHarness, newUser } from './testing/harness';
import { createHashLimiter, createPasswordHasher, parallelismFor, parseHash } from './password-hasher';
import { authThrottled } from './auth.metrics';

const h = await createHarness('identity-hash');
afterAll(() => h.close());

/** A hash as the previous default wrote it: scrypt N = 2^17, r = 8, p = 1 (128 MiB). */
const oldHash = (password: string) =>
  new Promise<string>((resolve, reject) => {
    const salt = randomBytes(16);
    const N = 2 ** 17;
    scrypt(password.normalize('NFKC'), salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 }, (err, key) =>
      err ? reject(err) : resolve(`scrypt$17$8$1$${salt.toString('base64')}$${key.toString('base64')}`),
    );
  });

/** A job that finishes when the test says so: no timing in the assertions. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('hash limiter', () => {
  it('never runs more than its concurrency at once; the rest wait their turn', async () => {
    const limiter = createHashLimiter({ concurrency: 2, queue: 10 });
    const gates = Array.from({ length: 8 }, gate);
    let running = 0;
    let most = 0;
    const jobs = gates.map((g, i) =>
      limiter.run(async () => {
        running++;
        most = Math.max(most, running);
        await g.opened;
        running--;
        return i;
      }),
    );
    await Promise.resolve();
    expect(limiter.stats()).toMatchObject({ active: 2, queued: 6, rejected: 0 });
    for (const g of gates) g.open();
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(2);
    expect(limiter.stats()).toEqual({ active: 0, queued: 0, peakActive: 2, rejected: 0 });
  });

  it('answers BUSY at once beyond its queue, and serves again once there is room', async () => {
    const limiter = createHashLimiter({ concurrency: 1, queue: 2 });
    const g = gate();
    const held = [0, 1, 2].map(() => limiter.run(() => g.opened));
    await expect(limiter.run(async () => 'never')).rejects.toMatchObject({ appCode: 'BUSY' });
    await expect(limiter.run(async () => 'never')).rejects.toMatchObject({ appCode: 'BUSY' });
    expect(limiter.stats()).toMatchObject({ active: 1, queued: 2, rejected: 2 });
    g.open();
    await Promise.all(held);
    expect(await limiter.run(async () => 'served')).toBe('served');
  });

  it('frees its slot when the job fails', async () => {
    const limiter = createHashLimiter({ concurrency: 1, queue: 0 });
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'ok')).toBe('ok');
    expect(limiter.stats()).toMatchObject({ active: 0, queued: 0 });
  });
});

describe('password hasher under a burst', () => {
  it('hash, verify and burn share the cap: 24 at once never run more than 2 real hashes', async () => {
    const hasher = createPasswordHasher(12, { concurrency: 2, queue: 30 });
    const stored = await hasher.hash('pw one');
    const calls = Array.from({ length: 24 }, (_, i) =>
      i % 3 === 0 ? hasher.hash(`pw ${i}`) : i % 3 === 1 ? hasher.verify('pw one', stored) : hasher.burn('x'),
    );
    await Promise.all(calls);
    expect(hasher.stats()).toMatchObject({ active: 0, queued: 0, peakActive: 2, rejected: 0 });
  });

  it('sign-ups beyond the queue answer BUSY through the API, at once and without a 500', async () => {
    // The test holds the only slot and the only queue place, so the sign-ups find the limiter full
    // however slow the machine is; "at once" = they are answered while the slots are still held.
    const limiter = createHashLimiter({ concurrency: 1, queue: 1 });
    const svc = h.service({}, { limiter });
    const [slot, queued] = [gate(), gate()];
    const held = [limiter.run(() => slot.opened), limiter.run(() => queued.opened)];
    expect(limiter.stats()).toMatchObject({ active: 1, queued: 1 });
    const counted = async (action: string) =>
      (await authThrottled.get()).values.find((v) => v.labels.action === action && v.labels.reason === 'hash_busy')
        ?.value;
    const [registerBefore, loginBefore] = [await counted('register'), await counted('login')];
    const busy = await Promise.allSettled(Array.from({ length: 4 }, () => svc.register(newUser())));
    for (const r of busy) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ appCode: 'BUSY' });
    }
    // A sign-in finds it full too (an unknown email still spends a hash: BUSY, not INVALID_CREDENTIALS).
    await expect(svc.login({ email: `busy-${newUser().email}`, password: 'whatever1' })).rejects.toMatchObject({
      appCode: 'BUSY',
    });
    expect(svc.passwordHashStats()).toMatchObject({ active: 1, queued: 1, rejected: 5 });
    // zjmall_auth_throttled_total{reason="hash_busy"}: the throttling alert sees each refusal, by action.
    expect((await counted('register'))! - registerBefore!).toBe(4);
    expect((await counted('login'))! - loginBefore!).toBe(1);
    slot.open();
    queued.open();
    await Promise.all(held);
    // Once there is room, sign-ups go through again (one at a time: concurrency 1).
    const later = await Promise.all(Array.from({ length: 2 }, () => svc.register(newUser())));
    expect(later.map((a) => a.user.role)).toEqual(['customer', 'customer']);
    expect(svc.passwordHashStats()).toMatchObject({ active: 0, queued: 0, peakActive: 1, rejected: 5 });
  });
});

describe('parameters', () => {
  it('follow OWASP’s equal-strength table: 2^14 → p = 5, 16 MiB; 2^17 → p = 1', async () => {
    expect([13, 14, 15, 16, 17].map(parallelismFor)).toEqual([10, 5, 3, 2, 1]);
    const stored = await createPasswordHasher(14).hash('pw');
    expect(parseHash(stored)).toMatchObject({ logN: 14, r: 8, p: 5 });
  });

  // Several real scrypt runs at 2^17 (128 MiB each): CPU-heavy, minutes on a loaded machine.
  it(
    'a hash of the old default (2^17, p = 1) still verifies and is rewritten at 2^14, p = 5 on login',
    { timeout: 300_000 },
    async () => {
      const u = newUser();
      await h.caller().auth.register(u);
      await h.db.query(`UPDATE identity.users SET password_hash = $1 WHERE lower(email) = lower($2)`, {
        bind: [await oldHash(u.password), u.email],
      });
      const stored = async () =>
        (
          await h.db.query<{ password_hash: string }>(
            `SELECT password_hash FROM identity.users WHERE lower(email) = lower($1)`,
            { bind: [u.email], type: QueryTypes.SELECT },
          )
        )[0].password_hash;
      const prod = h.service({ PASSWORD_HASH_COST: 14 });
      await prod.login({ email: u.email, password: u.password });
      const rewritten = await stored();
      expect(parseHash(rewritten)).toMatchObject({ logN: 14, r: 8, p: 5 });
      await prod.login({ email: u.email, password: u.password }); // verifies, and is not rewritten again
      expect(await stored()).toBe(rewritten);
      // A process still configured for 2^17 verifies the new hash too (and moves it back to its own table row).
      const old = h.service({ PASSWORD_HASH_COST: 17 });
      await old.login({ email: u.email, password: u.password });
      expect(parseHash(await stored())).toMatchObject({ logN: 17, r: 8, p: 1 });
    },
  );

  it('never rewrites a hash to a weaker one outside the table', () => {
    const low = createPasswordHasher(10);
    expect(
      low.needsRehash('scrypt$11$8$10$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
    ).toBe(false);
    expect(low.needsRehash('scrypt$10$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toBe(
      true,
    );
    expect(low.needsRehash('scrypt$9$8$10$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toBe(
      true,
    );
  });
});
