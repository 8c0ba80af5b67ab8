import { afterAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb, migrateDown, migrateUp, newId, platformMigrations } from '@zjmall/platform';
import { createTestDatabase } from '@zjmall/platform/testing';
import { identityMigrations } from './index';

describe('identity migrations', async () => {
  const url = await createTestDatabase('identity_mig');
  const db = createDb({ url, poolMax: 2 });
  afterAll(() => db.close());
  const modules = [platformMigrations, identityMigrations];
  const tables = async () =>
    (
      await db.query<{ name: string }>(
        `SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'identity' ORDER BY 1`,
        { type: QueryTypes.SELECT },
      )
    ).map((r) => r.name);

  it('go up, all the way down and up again', async () => {
    await migrateUp(db, url, modules);
    expect(await tables()).toEqual(['addresses', 'login_throttle', 'users']);
    const down = await migrateDown(db, url, modules, { steps: identityMigrations.migrations.length });
    expect(down).toEqual([
      'identity/0004-user-access',
      'identity/0003-login-throttle',
      'identity/0002-addresses',
      'identity/0001-users',
    ]);
    const schemas = await db.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'identity'`, {
      type: QueryTypes.SELECT,
    });
    expect(schemas).toHaveLength(0);
    await migrateUp(db, url, modules);
    expect(await tables()).toEqual(['addresses', 'login_throttle', 'users']);
  });

  /** The PostgreSQL message behind sequelize's wrapper (it names the constraint). */
  const pgError = (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (e: { parent?: { message?: string } }) => e.parent?.message ?? String(e),
    );

  it('enforce case-insensitive emails, the role check and one default address per user', async () => {
    const user = (email: string, role = 'customer') =>
      db.query(
        `INSERT INTO identity.users (id, email, password_hash, name, role) VALUES ($1, $2, 'x', 'n', $3) RETURNING id`,
        {
          bind: [newId(), email, role],
          type: QueryTypes.SELECT,
        },
      );
    const [{ id }] = (await user('case@example.com')) as { id: string }[];
    expect(await pgError(user('CASE@example.com'))).toMatch(/users_email_lower_key/);
    expect(await pgError(user('root@example.com', 'root'))).toMatch(/users_role_check/);
    const address = (isDefault: boolean) =>
      db.query(
        `INSERT INTO identity.addresses (id, user_id, receiver, phone, province, city, district, detail, is_default)
         VALUES ($1, $2, 'r', '12345', 'p', 'c', 'd', 'x', $3)`,
        { bind: [newId(), id, isDefault] },
      );
    await address(true);
    await address(false);
    expect(await pgError(address(true))).toMatch(/addresses_one_default_key/);
  });
});
