import { QueryTypes, type Transaction } from 'sequelize';
import type { Db, Logger, Outbox } from '@zjmall/platform';
import type { CatalogCache } from './catalog.cache';
import type { CatalogInventoryPort } from './inventory-port';

/** What every catalog use case is built from (one object, made once by createCatalogService). */
export interface CatalogDeps {
  db: Db;
  outbox: Outbox;
  cache: CatalogCache;
  inventory: CatalogInventoryPort;
  log: Logger;
}

/** A raw SELECT with bound parameters (the hot reads skip the model layer). */
export function select<T extends object>(
  db: Db,
  sql: string,
  bind: unknown[],
  transaction?: Transaction,
): Promise<T[]> {
  return db.query<T>(sql, { bind, type: QueryTypes.SELECT, transaction });
}

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Ids a cart read passes are the same strings again and again: a Set lookup of a hashed string is
// cheaper than the regex (bounded: past 100 000 ids it starts over).
let validIds = new Set<string>();
export const isUuid = (s: string): boolean => {
  if (validIds.has(s)) return true;
  if (!UUID.test(s)) return false;
  if (validIds.size >= 100_000) validIds = new Set();
  validIds.add(s);
  return true;
};
