import { expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb, migrateDown, migrateUp, platformMigrations } from '@zjmall/platform';
import { createTestDatabase } from '@zjmall/platform/testing';
import { inventoryMigrations } from './index';

it('migrates up, down and up again', async () => {
  const url = await createTestDatabase('inv_migrations');
  const db = createDb({ url, poolMax: 2 });
  const tables = async () =>
    (
      await db.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'inventory' ORDER BY 1`,
        {
          type: QueryTypes.SELECT,
        },
      )
    ).map((r) => r.t);
  try {
    const modules = [platformMigrations, inventoryMigrations];
    await migrateUp(db, url, modules);
    expect(await tables()).toEqual(['ledger', 'reservations', 'stock']);
    expect(await migrateDown(db, url, modules, { steps: 1 })).toEqual(['inventory/0001-inventory']);
    expect(await tables()).toEqual([]);
    await migrateUp(db, url, modules);
    expect(await tables()).toEqual(['ledger', 'reservations', 'stock']);
  } finally {
    await db.close();
  }
});
