import { afterAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { newId } from '@zjmall/platform';
import { createHarness, newUser } from './testing/harness';
import { createPasswordHasher, parseHash } from './password-hasher';

const h = await createHarness();
afterAll(() => h.close());

const storedHash = async (email: string) => {
  const [row] = await h.db.query<{ password_hash: string }>(
    `SELECT password_hash FROM identity.users WHERE lower(email) = lower($1)`,
    { bind: [email], type: QueryTypes.SELECT },
  );
  return row.password_hash;
};

describe('password hashes', () => {
  it('are self-describing scrypt strings with a 16-byte salt and a 32-byte key', async () => {
    const u = newUser();
    await h.caller().auth.register(u);
    const stored = await storedHash(u.email);
    expect(stored).toMatch(/^scrypt\$10\$8\$10\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const parsed = parseHash(stored)!;
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
    expect(stored).not.toContain(u.password);
  });

  it('verify the right password only, and refuse a malformed hash', async () => {
    const hasher = createPasswordHasher(10);
    const stored = await hasher.hash('pässwörd １２３'); // NFKC: full-width digits equal ASCII ones
    expect(await hasher.verify('pässwörd １２３', stored)).toBe(true);
    expect(await hasher.verify('pässwörd 123', stored)).toBe(true);
    expect(await hasher.verify('pässwörd 124', stored)).toBe(false);
    expect(await hasher.hash('same')).not.toBe(await hasher.hash('same')); // salted
    expect(await hasher.verify('x', 'bcrypt$2b$10$abc')).toBe(false);
    expect(
      await hasher.verify('x', 'scrypt$99$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
    ).toBe(false);
  });

  it('handles the production cost (N = 2^17) within scrypt maxmem', async () => {
    const hasher = createPasswordHasher(17);
    const stored = await hasher.hash('correct horse battery');
    expect(stored.startsWith('scrypt$17$8$1$')).toBe(true);
    expect(await hasher.verify('correct horse battery', stored)).toBe(true);
  });

  it('are rehashed at the configured cost on a successful login, never lowered', async () => {
    const u = newUser();
    await h.caller().auth.register(u); // cost 10
    const stronger = h.service({ PASSWORD_HASH_COST: 11 });
    await expect(stronger.login({ email: u.email, password: 'wrong password' })).rejects.toMatchObject({
      appCode: 'INVALID_CREDENTIALS',
    });
    expect(parseHash(await storedHash(u.email))!.logN).toBe(10); // a failed login changes nothing
    await stronger.login({ email: u.email, password: u.password });
    const rehashed = await storedHash(u.email);
    expect(parseHash(rehashed)!.logN).toBe(11);
    await stronger.login({ email: u.email, password: u.password });
    await h.svc.login({ email: u.email, password: u.password }); // cost 10 process: keeps the stronger hash
    expect(await storedHash(u.email)).toBe(rehashed);
  });
});

describe('ensureAdmin', () => {
  const admins = async (email: string) =>
    h.db.query<{ id: string; role: string }>(`SELECT id, role FROM identity.users WHERE lower(email) = lower($1)`, {
      bind: [email],
      type: QueryTypes.SELECT,
    });

  it('creates the admin once, also when two processes call it at the same moment', async () => {
    const email = `Boss-${newId()}@Example.com`;
    const [a, b] = await Promise.all([
      h.svc.ensureAdmin(email, 'admin password'),
      h.service().ensureAdmin(email, 'admin password'),
    ]);
    expect(a.id).toBe(b.id);
    expect(a).toMatchObject({ email: email.toLowerCase(), role: 'admin' });
    expect(await admins(email)).toEqual([{ id: a.id, role: 'admin' }]);
    const again = await h.svc.ensureAdmin(email, 'admin password');
    expect(again).toEqual(a);
    expect(await admins(email)).toHaveLength(1);
    expect((await h.svc.login({ email, password: 'admin password' })).user.role).toBe('admin');
  });

  it('promotes an existing customer and gives the account the configured password', async () => {
    const u = newUser();
    const reg = await h.caller().auth.register(u);
    const admin = await h.svc.ensureAdmin(u.email.toUpperCase(), 'configured admin pw');
    expect(admin).toMatchObject({ id: reg.user.id, role: 'admin' });
    await expect(h.svc.login({ email: u.email, password: u.password })).rejects.toMatchObject({
      appCode: 'INVALID_CREDENTIALS',
    });
    const login = await h.svc.login({ email: u.email, password: 'configured admin pw' });
    expect(login.user).toMatchObject({ id: reg.user.id, role: 'admin' });
    expect(await h.svc.authenticate(login.token)).toEqual({
      ok: true,
      auth: { kind: 'user', userId: reg.user.id, role: 'admin' },
    });
  });
});
