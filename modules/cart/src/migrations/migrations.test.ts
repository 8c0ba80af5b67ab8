import { afterAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb, migrateDown, migrateUp, platformMigrations } from '@zjmall/platform';
import { createTestDatabase } from '@zjmall/platform/testing';
import { catalogMigrations } from '@zjmall/catalog';
import { inventoryMigrations } from '@zjmall/inventory';
import { pricingMigrations } from '@zjmall/pricing';
import { cartMigrations } from './index';

describe('cart/0002-cart-coupon', async () => {
  const url = await createTestDatabase('cart_mig');
  const db = createDb({ url, poolMax: 2 });
  afterAll(() => db.close());
  const cart = { ...cartMigrations, migrations: cartMigrations.migrations.filter((m) => m.name <= '0002-cart-coupon') };
  const modules = [platformMigrations, inventoryMigrations, catalogMigrations, pricingMigrations, cart];
  const hasColumn = async () =>
    (
      await db.query(
        `SELECT 1 FROM information_schema.columns WHERE table_schema = 'cart' AND table_name = 'carts' AND column_name = 'coupon_code'`,
        {
          type: QueryTypes.SELECT,
        },
      )
    ).length === 1;

  it('goes down and up again', async () => {
    await migrateUp(db, url, modules);
    expect(await hasColumn()).toBe(true);
    expect(await migrateDown(db, url, modules, { steps: 1 })).toEqual(['cart/0002-cart-coupon']);
    expect(await hasColumn()).toBe(false);
    await migrateUp(db, url, modules);
    expect(await hasColumn()).toBe(true);
  });
});
