import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/paths';

/**
 * Two reads reuse what a statement saw while a row's version (xmin) is unchanged (cart.store
 * `lockCarts`, inventory stock.store `lockWithReservations`). That is safe only because every
 * writer of cart lines also writes the cart row, and every writer of reservations writes the stock
 * rows of their SKUs, in the same transaction. The stores keep that rule; this test keeps the
 * writes in the stores: any INSERT, UPDATE or DELETE of `cart.cart_items` or
 * `inventory.reservations` (or a write through their sequelize models) in production code outside
 * them fails it. Tests, test support and migrations are not production writers.
 */
const TABLES = ['cart.cart_items', 'inventory.reservations'];
const MODELS = ['CartItem', 'Reservation'];
const STORES = ['modules/cart/src/cart.store.ts', 'modules/inventory/src/stock.store.ts'];

const sqlWrite = new RegExp(
  `\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+(?:ONLY\\s+)?(${TABLES.map((t) => t.replace('.', '\\.')).join('|')})\\b`,
  'gi',
);
const modelWrite = new RegExp(
  `\\b(${MODELS.join('|')})\\.(?:create|bulkCreate|update|upsert|destroy|increment|decrement|truncate)\\s*\\(`,
  'g',
);

/** Where `source` writes the guarded tables (`table` or `Model.method(`), with the line. */
function guardedWrites(source: string): string[] {
  const out: string[] = [];
  for (const re of [sqlWrite, modelWrite]) {
    for (const m of source.matchAll(re)) {
      const line = source.slice(0, m.index).split('\n').length;
      out.push(`${line}: ${m[0].replace(/\s+/g, ' ')}`);
    }
  }
  return out;
}

function productionFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.data', 'migrations', 'testing'].includes(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...productionFiles(p));
    else if (/\.(ts|tsx)$/.test(e.name) && !/\.(test|fixture)\.tsx?$/.test(e.name) && !/\.d\.ts$/.test(e.name))
      out.push(p);
  }
  return out;
}

describe('writes of cart lines and reservations only through their stores', () => {
  it('the scan finds a write in each form it looks for (it can fail)', () => {
    expect(guardedWrites('db.query(`UPDATE cart.cart_items SET quantity = 1`)')).toHaveLength(1);
    expect(guardedWrites('`insert into  inventory.reservations (id) values ($1)`')).toHaveLength(1);
    expect(guardedWrites('`DELETE FROM cart.cart_items WHERE id = $1`')).toHaveLength(1);
    expect(guardedWrites('await CartItem.update({ quantity: 2 }, { where })')).toHaveLength(1);
    expect(guardedWrites('await Reservation.destroy({ where })')).toHaveLength(1);
    expect(guardedWrites('`SELECT * FROM inventory.reservations`; `UPDATE inventory.stock SET x = 1`')).toEqual([]);
  });

  it('no production file but the two stores writes them', () => {
    const files = ['modules', 'apps', 'infra', 'contracts'].flatMap((d) => productionFiles(join(repoRoot, d)));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files
      .map((f) => relative(repoRoot, f))
      .filter((f) => !STORES.includes(f))
      .flatMap((f) => guardedWrites(readFileSync(join(repoRoot, f), 'utf8')).map((w) => `${f}:${w}`));
    expect(offenders).toEqual([]);
    // The stores do write them (the scan reads the files it should).
    for (const s of STORES) expect(guardedWrites(readFileSync(join(repoRoot, s), 'utf8')).length).toBeGreaterThan(0);
  });
});
