import pg from 'pg';
import { Sequelize } from 'sequelize-typescript';
import type { Logger } from '../logger';

// BIGINT (int8, oid 20) carries money and counts: return it as a JS number, and refuse silently
// losing precision rather than corrupting an amount.
function parseBigint(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BIGINT ${v} exceeds Number.MAX_SAFE_INTEGER`);
  return n;
}
pg.types.setTypeParser(20, parseBigint);

export interface DbOptions {
  url: string;
  poolMax: number;
  logger?: Logger;
  /** Sent as application_name, visible in pg_stat_activity. */
  applicationName?: string;
}

export type Db = Sequelize;

export function createDb(opts: DbOptions): Db {
  return new Sequelize(opts.url, {
    dialect: 'postgres',
    dialectModule: pg,
    logging: false,
    benchmark: false,
    pool: { max: opts.poolMax, min: 0, idle: 10_000, acquire: 30_000 },
    dialectOptions: { application_name: opts.applicationName ?? 'zjmall' },
    define: { underscored: true, timestamps: false, freezeTableName: true },
  });
}

/** Adapts a sequelize instance to the small interface SQL-level helpers use. */
export async function pingDb(db: Db): Promise<void> {
  await db.query('SELECT 1');
}
