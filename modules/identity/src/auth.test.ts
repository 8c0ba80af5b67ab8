import { afterAll, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { adminProcedure, createCallerFactory, newId, router } from '@zjmall/platform';
import { createHarness, failure, newUser } from './testing/harness';
import { JWT_AUDIENCE, JWT_ISSUER, createTokenService } from './tokens';

const h = await createHarness();
afterAll(() => h.close());

const ADDRESS = {
  receiver: '张三',
  phone: '13800000000',
  province: '浙江省',
  city: '杭州市',
  district: '西湖区',
  detail: '文三路 1 号',
};

describe('auth.register / auth.login / auth.me', () => {
  it('registers, signs in and answers me with the stored user', async () => {
    const input = newUser({ email: '  Alice.Smith@Example.COM ' });
    const reg = await h.caller().auth.register(input);
    expect(reg.user).toEqual({
      id: expect.any(String),
      email: 'alice.smith@example.com',
      name: 'Test User',
      role: 'customer',
    });
    expect(reg.merge).toBeUndefined();
    expect(await h.caller(reg.token).auth.me()).toEqual(reg.user);

    const login = await h.caller().auth.login({ email: 'ALICE.smith@example.com', password: input.password });
    expect(login.user).toEqual(reg.user);
    expect(await h.caller(login.token).auth.me()).toEqual(reg.user);
  });

  it('refuses a second registration of the same email in another case (EMAIL_TAKEN)', async () => {
    const input = newUser();
    await h.caller().auth.register(input);
    const err = await failure(
      h,
      h.caller().auth.register({ ...input, email: input.email.toUpperCase(), name: 'Other' }),
    );
    expect(err.code).toBe('CONFLICT');
    expect(err.data.appCode).toBe('EMAIL_TAKEN');
  });

  it('lets only one of two simultaneous registrations of an email through', async () => {
    const input = newUser();
    const results = await Promise.allSettled([
      h.caller().auth.register(input),
      h.caller().auth.register({ ...input, email: input.email.toUpperCase() }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rows = await h.db.query(`SELECT 1 FROM identity.users WHERE lower(email) = lower($1)`, {
      bind: [input.email],
      plain: false,
    });
    expect(rows[0]).toHaveLength(1);
  });

  it('answers a wrong password and an unknown email alike (INVALID_CREDENTIALS)', async () => {
    const input = newUser();
    await h.caller().auth.register(input);
    const wrong = await failure(h, h.caller().auth.login({ email: input.email, password: 'not the password' }));
    const unknown = await failure(
      h,
      h.caller().auth.login({ email: `nobody-${newId()}@example.com`, password: 'whatever1' }),
    );
    for (const e of [wrong, unknown]) {
      expect(e.code).toBe('UNAUTHORIZED');
      expect(e.data.appCode).toBe('INVALID_CREDENTIALS');
    }
    expect(wrong.message).toBe(unknown.message);
  });

  it('names the field of a malformed input (BAD_REQUEST)', async () => {
    const cases: [unknown, string][] = [
      [{ email: 'not-an-email', password: 'long enough', name: 'A' }, 'email'],
      [{ email: 'a@example.com', password: 'short', name: 'A' }, 'password'],
      [{ email: 'a@example.com', password: 'long enough' }, 'name'],
      [{ email: 'a@example.com', password: 'x'.repeat(129), name: 'A' }, 'password'],
    ];
    for (const [input, field] of cases) {
      const err = await failure(h, h.caller().auth.register(input as never));
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.data.zodError?.fieldErrors[field]?.length).toBeGreaterThan(0);
      expect(err.message).toContain(field);
    }
    const err = await failure(h, h.caller().auth.login({ password: 'whatever' } as never));
    expect(err.data.zodError?.fieldErrors.email).toBeDefined();
  });
});

describe('tokens', () => {
  it('gives a guest a token that works for auth.me but not for address.*', async () => {
    const g = await h.caller().auth.guest();
    expect(await h.caller(g.token).auth.me()).toEqual({ guestId: g.guestId, role: 'guest' });
    for (const call of [() => h.caller(g.token).address.list(), () => h.caller(g.token).address.create(ADDRESS)]) {
      const err = await failure(h, call());
      expect(err.code).toBe('UNAUTHORIZED');
      expect(err.data.appCode).toBe('UNAUTHENTICATED');
    }
  });

  it('answers no token, a tampered token and an expired token with UNAUTHENTICATED', async () => {
    const { token, user } = await h.caller().auth.register(newUser());
    const [head, payload, sig] = token.split('.');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const expired = await new SignJWT({ typ: 'user', role: 'customer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(h.jwtSecret));
    const foreign = await new SignJWT({ typ: 'user', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another secret of at least thirty-two chars'));
    const bad = [
      undefined,
      `${head}.${flip(payload, 10)}.${sig}`,
      `${head}.${payload}.${flip(sig, 10)}`,
      expired,
      foreign,
      'not.a.jwt',
    ];
    for (const t of bad) {
      const err = await failure(h, h.caller(t).auth.me());
      expect(err.code).toBe('UNAUTHORIZED');
      expect(err.data.appCode).toBe('UNAUTHENTICATED');
    }
    expect(await h.svc.authenticate(expired)).toEqual({ ok: false, reason: 'expired' });
    expect(await h.svc.authenticate(`${head}.${payload}.${flip(sig, 10)}`)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('keeps a verified token in its cache only until the token expires', async () => {
    const tokens = createTokenService({ secret: h.jwtSecret, userTtlSeconds: 1 });
    const id = newId();
    const t = await tokens.signUser(id, 'customer', 3);
    expect(await tokens.authenticate(t)).toEqual({
      ok: true,
      auth: { kind: 'user', userId: id, role: 'customer' },
      ver: 3,
    });
    await new Promise((r) => setTimeout(r, 2100));
    expect((await tokens.authenticate(t)).ok).toBe(false);
  });

  it('verifies tokens of the previous key during a rotation, signs only with the new one', async () => {
    const oldSecret = 'o'.repeat(40);
    const newSecret = 'n'.repeat(40);
    const id = newId();
    const before = createTokenService({ secret: oldSecret, userTtlSeconds: 600 });
    const issuedBefore = await before.signUser(id, 'customer', 0);
    const rotating = createTokenService({ secret: newSecret, previousSecret: oldSecret, userTtlSeconds: 600 });
    const user = { ok: true, auth: { kind: 'user', userId: id, role: 'customer' }, ver: 0 };
    expect(await rotating.authenticate(issuedBefore)).toEqual(user);
    // New tokens carry the new key: they verify with it alone, not with the old one alone.
    const issuedNow = await rotating.signUser(id, 'customer', 0);
    expect(await createTokenService({ secret: newSecret, userTtlSeconds: 600 }).verify(issuedNow)).toMatchObject({
      ok: true,
    });
    expect(await before.verify(issuedNow)).toEqual({ ok: false, reason: 'invalid' });
    // After the rotation (previous key removed) the old token is refused; a third key never verifies.
    expect(await createTokenService({ secret: newSecret, userTtlSeconds: 600 }).verify(issuedBefore)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    const stranger = await createTokenService({ secret: 's'.repeat(40), userTtlSeconds: 600 }).signUser(id, 'admin', 0);
    expect(await rotating.verify(stranger)).toEqual({ ok: false, reason: 'invalid' });
    // An expired token of the previous key is expired, not merely invalid.
    const shortLived = await createTokenService({ secret: oldSecret, userTtlSeconds: -10 }).signUser(id, 'customer', 0);
    expect(await rotating.verify(shortLived)).toEqual({ ok: false, reason: 'expired' });
    expect(() => createTokenService({ secret: newSecret, previousSecret: 'short', userTtlSeconds: 1 })).toThrow(
      /at least 32/,
    );
  });

  it('answers a customer on an admin procedure with FORBIDDEN', async () => {
    const admin = router({ secret: adminProcedure.query(() => 'admin only') });
    const call = createCallerFactory(admin);
    const { token } = await h.caller().auth.register(newUser());
    const err = await failure(h, call(h.context(token)).secret());
    expect(err.code).toBe('FORBIDDEN');
    expect(err.data.appCode).toBe('FORBIDDEN');

    const email = `admin-${newId()}@example.com`;
    await h.svc.ensureAdmin(email, 'admin password 1');
    const login = await h.caller().auth.login({ email, password: 'admin password 1' });
    expect(login.user.role).toBe('admin');
    expect(await call(h.context(login.token)).secret()).toBe('admin only');
  });
});

describe('onLogin hook', () => {
  it('is called with (userId, guestId) for a valid guest token, and its report returned as merge', async () => {
    const report = { lines: 2, capped: [{ skuId: newId(), requested: 1200, quantity: 999, reason: 'max_quantity' }] };
    const hook = vi.fn(async () => report);
    h.svc.setOnLogin(hook);
    try {
      const input = newUser();
      const g = await h.caller().auth.guest();
      const reg = await h.caller().auth.register({ ...input, guestToken: g.token });
      expect(hook).toHaveBeenLastCalledWith(reg.user.id, g.guestId);
      expect(reg.merge).toEqual(report);

      const g2 = await h.caller().auth.guest();
      const login = await h.caller().auth.login({ email: input.email, password: input.password, guestToken: g2.token });
      expect(hook).toHaveBeenCalledTimes(2);
      expect(hook).toHaveBeenLastCalledWith(reg.user.id, g2.guestId);
      expect(login.merge).toEqual(report);

      const plain = await h.caller().auth.login({ email: input.email, password: input.password });
      expect(plain.merge).toBeUndefined();
      // A user token, garbage or a failed login is not a guest: no call, no merge.
      const ignored = await h
        .caller()
        .auth.login({ email: input.email, password: input.password, guestToken: login.token });
      expect(ignored.merge).toBeUndefined();
      await h.caller().auth.login({ email: input.email, password: input.password, guestToken: 'garbage' });
      await failure(h, h.caller().auth.login({ email: input.email, password: 'wrong password', guestToken: g2.token }));
      expect(hook).toHaveBeenCalledTimes(2);
    } finally {
      h.svc.setOnLogin(null);
    }
  });

  it('signs the user in without merge when the hook fails', async () => {
    h.svc.setOnLogin(async () => {
      throw new Error('cart is down');
    });
    try {
      const input = newUser();
      await h.caller().auth.register(input);
      const g = await h.caller().auth.guest();
      const login = await h.caller().auth.login({ email: input.email, password: input.password, guestToken: g.token });
      expect(login.token).toEqual(expect.any(String));
      expect(login.merge).toBeUndefined();
    } finally {
      h.svc.setOnLogin(null);
    }
  });
});
