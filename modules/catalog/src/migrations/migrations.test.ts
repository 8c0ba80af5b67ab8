import { afterAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb, migrateDown, migrateUp, newId, platformMigrations } from '@zjmall/platform';
import { createTestDatabase } from '@zjmall/platform/testing';
import { inventoryMigrations } from '@zjmall/inventory';
import { catalogMigrations } from './index';

describe('catalog/0005-price-changed-at', async () => {
  const url = await createTestDatabase('catalog_mig');
  const db = createDb({ url, poolMax: 2 });
  afterAll(() => db.close());
  const upTo = (last: string) => ({
    ...catalogMigrations,
    migrations: catalogMigrations.migrations.filter((m) => m.name <= last),
  });
  const q = <T extends object>(sql: string, bind: unknown[] = []) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT });

  it('gives an existing SKU its last write as the price change, new SKUs now(); goes down and up again', async () => {
    await migrateUp(db, url, [platformMigrations, inventoryMigrations, upTo('0004-purchase-limits')]);
    const [category, product, sku] = [newId(), newId(), newId()];
    await db.query(`INSERT INTO catalog.categories (id, name, path, depth) VALUES ($1, 'c', ARRAY[$1]::uuid[], 0)`, {
      bind: [category],
    });
    await db.query(`INSERT INTO catalog.products (id, name, category_id) VALUES ($1, 'p', $2)`, {
      bind: [product, category],
    });
    await db.query(
      `INSERT INTO catalog.skus (id, product_id, code, price, updated_at) VALUES ($1, $2, 'MIG-1', 100, '2026-01-02T03:04:05Z')`,
      { bind: [sku, product] },
    );
    const modules = [platformMigrations, inventoryMigrations, upTo('0005-price-changed-at')];
    await migrateUp(db, url, modules);
    const [row] = await q<{ at: Date }>(`SELECT price_changed_at AS at FROM catalog.skus WHERE id = $1`, [sku]);
    expect(row.at.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    const fresh = newId();
    await db.query(`INSERT INTO catalog.skus (id, product_id, code, price) VALUES ($1, $2, 'MIG-2', 100)`, {
      bind: [fresh, product],
    });
    const [made] = await q<{ recent: boolean }>(
      `SELECT price_changed_at > now() - interval '1 minute' AS recent FROM catalog.skus WHERE id = $1`,
      [fresh],
    );
    expect(made.recent).toBe(true);

    const column = async () =>
      (
        await q(
          `SELECT 1 FROM information_schema.columns WHERE table_schema = 'catalog' AND table_name = 'skus' AND column_name = 'price_changed_at'`,
        )
      ).length;
    expect(await migrateDown(db, url, modules, { steps: 1 })).toEqual(['catalog/0005-price-changed-at']);
    expect(await column()).toBe(0);
    await migrateUp(db, url, modules);
    expect(await column()).toBe(1);
  });
});
