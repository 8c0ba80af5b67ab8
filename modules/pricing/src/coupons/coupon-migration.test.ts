import { afterAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb, migrateDown, migrateUp, platformMigrations } from '@zjmall/platform';
import { createTestDatabase } from '@zjmall/platform/testing';
import { catalogMigrations } from '@zjmall/catalog';
import { inventoryMigrations } from '@zjmall/inventory';
import { pricingMigrations } from '../migrations';

describe('pricing/0003-coupons', async () => {
  const url = await createTestDatabase('coupon_mig');
  const db = createDb({ url, poolMax: 2 });
  afterAll(() => db.close());
  // pricing's migrations up to this one (later ones belong to other features)
  const pricing = {
    ...pricingMigrations,
    migrations: pricingMigrations.migrations.filter((m) => m.name <= '0003-coupons'),
  };
  const modules = [platformMigrations, inventoryMigrations, catalogMigrations, pricing];
  const tables = async () =>
    (
      await db.query<{ name: string }>(
        `SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'pricing' AND table_name LIKE 'coupon%' ORDER BY 1`,
        { type: QueryTypes.SELECT },
      )
    ).map((r) => r.name);

  it('goes down and up again', async () => {
    await migrateUp(db, url, modules);
    expect(await tables()).toEqual(['coupon_uses', 'coupons']);
    expect(await migrateDown(db, url, modules, { steps: 1 })).toEqual(['pricing/0003-coupons']);
    expect(await tables()).toEqual([]);
    await migrateUp(db, url, modules);
    expect(await tables()).toEqual(['coupon_uses', 'coupons']);
  });
});
