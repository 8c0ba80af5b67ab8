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
 * `inventory.reservations` in production code outside them fails it, and so does a sequelize model
 * over either table anywhere in production code (neither has one: a model's create/update/destroy
 * would write around the store). Tests, test support and migrations are not production writers.
 */
const TABLES = ['cart.cart_items', 'inventory.reservations'];
const STORES = ['modules/cart/src/cart.store.ts', 'modules/inventory/src/stock.store.ts'];

/** `schema.table`, also with quoted names (`"cart"."cart_items"`). */
const tableName = (t: string) =>
  t
    .split('.')
    .map((part) => `"?${part}"?`)
    .join('\\s*\\.\\s*');
const sqlWrite = new RegExp(
  `\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+(?:ONLY\\s+)?(?:${TABLES.map(tableName).join('|')})(?![\\w"])`,
  'gi',
);
/** A sequelize-typescript model declaration (the repo's models are all `@Table({ tableName, schema })` classes). */
const tableDecorator = /@Table\(\s*\{([^}]*)\}/g;

/** Where `source` writes the guarded tables (SQL, or a model declared over one), with the line. */
function guardedWrites(source: string): string[] {
  const out: string[] = [];
  const at = (index: number | undefined, what: string) =>
    out.push(`${source.slice(0, index).split('\n').length}: ${what.replace(/\s+/g, ' ')}`);
  for (const m of source.matchAll(sqlWrite)) at(m.index, m[0]);
  for (const m of modelTables(source)) if (TABLES.includes(m.table)) at(m.index, m.text);
  return out;
}

/** The `schema.table` of each model `source` declares. */
function modelTables(source: string) {
  return [...source.matchAll(tableDecorator)].map((m) => {
    const name = /tableName:\s*['"]([^'"]+)['"]/.exec(m[1])?.[1];
    const schema = /schema:\s*['"]([^'"]+)['"]/.exec(m[1])?.[1] ?? 'public';
    return { table: `${schema}.${name}`, index: m.index, text: m[0] };
  });
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
    expect(guardedWrites('`UPDATE "inventory"."reservations" SET status = $1`')).toHaveLength(1);
    expect(guardedWrites("@Table({ tableName: 'cart_items', schema: 'cart', underscored: true })")).toHaveLength(1);
    expect(guardedWrites("@Table({ schema: 'inventory', tableName: 'reservations' })")).toHaveLength(1);
    expect(
      guardedWrites(
        '`SELECT * FROM inventory.reservations`; `UPDATE inventory.stock SET x = 1`; `DELETE FROM cart.cart_items_archive`',
      ),
    ).toEqual([]);
    expect(guardedWrites("@Table({ tableName: 'reservations', schema: 'sale' })")).toEqual([]);
  });

  it('no production file but the two stores writes them', () => {
    const files = ['modules', 'apps', 'infra', 'contracts'].flatMap((d) => productionFiles(join(repoRoot, d)));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files
      .map((f) => relative(repoRoot, f))
      .filter((f) => !STORES.includes(f))
      .flatMap((f) => guardedWrites(readFileSync(join(repoRoot, f), 'utf8')).map((w) => `${f}:${w}`));
    expect(offenders).toEqual([]);
    // The stores do write them, and the models the repo has are read (the scan reads the files it should).
    for (const s of STORES) expect(guardedWrites(readFileSync(join(repoRoot, s), 'utf8')).length).toBeGreaterThan(0);
    const models = files.flatMap((f) => modelTables(readFileSync(f, 'utf8')).map((m) => m.table));
    expect(models).toEqual(expect.arrayContaining(['inventory.stock', 'inventory.ledger', 'identity.users']));
  });
});
