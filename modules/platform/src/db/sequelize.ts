import pg from 'pg';
import { Sequelize } from 'sequelize-typescript';
import type { Logger } from '../logger';

// BIGINT (int8, oid 20) carries money and counts: return it as a JS number, and refuse silently
// losing precision rather than corrupting an amount. (pg's documented type-parser hook.)
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

/**
 * The database: a sequelize instance used only through its documented API. Modules write SQL with
 * bound parameters, `db.query(sql, { bind: [...], type: QueryTypes.SELECT, transaction })`, and
 * transactions with `db.transaction(async (tx) => …)` (START TRANSACTION … COMMIT, or ROLLBACK when
 * the callback throws); models are for the non-hot paths (platform README, "Data layer").
 */
export type Db = Sequelize;

/** A string value PostgreSQL's text cannot hold. */
const NUL = '\0';

export function createDb(opts: DbOptions): Db {
  const db = new Sequelize(opts.url, {
    dialect: 'postgres',
    dialectModule: pg,
    // sequelize's documented logging hook: silent unless a statement observer listens (tests).
    logging: (message: string) => tellStatementObservers(message, db),
    benchmark: false,
    pool: { max: opts.poolMax, min: 0, idle: 10_000, acquire: 30_000 },
    dialectOptions: { application_name: opts.applicationName ?? 'zjmall' },
    define: { underscored: true, timestamps: false, freezeTableName: true },
  });
  // sequelize's postgres dialect rewrites a NUL in a bound string into the two characters `\0`,
  // i.e. it would store something other than what was sent. Inputs refuse NUL at the edge
  // (`SafeString` in contracts); this makes any other way in an error instead of a quiet rewrite.
  db.addHook('beforeQuery', (options) => {
    const bind = (options as { bind?: unknown }).bind;
    const values = Array.isArray(bind) ? bind : bind && typeof bind === 'object' ? Object.values(bind) : [];
    for (const v of values) {
      if (typeof v === 'string' && v.includes(NUL)) throw new NulInValueError();
      if (Array.isArray(v) && v.some((x) => typeof x === 'string' && x.includes(NUL))) throw new NulInValueError();
    }
  });
  return db;
}

interface StatementObserver {
  observer: (sql: string) => void;
  /** Only this Db's statements; every Db's when absent. */
  db?: Db;
}
const statementObservers = new Set<StatementObserver>();

/**
 * Tells `observer` the SQL text of every statement a Db of this process sends (through sequelize's
 * documented `logging` option) until the returned function is called — or only `db`'s statements
 * when given, so that other Dbs' background work (pollers, sweepers) is not counted. For statement
 * counts in tests (no N+1, round-trip budgets); costs nothing measurable when nobody observes.
 */
export function observeStatements(observer: (sql: string) => void, db?: Db): () => void {
  const entry: StatementObserver = { observer, db };
  statementObservers.add(entry);
  return () => statementObservers.delete(entry);
}

function tellStatementObservers(message: string, from: Db): void {
  if (statementObservers.size === 0) return;
  // sequelize logs `Executing (<connection or default>): <sql>`.
  const sql = message.replace(/^Executing \([^)]*\): /, '');
  for (const { observer, db } of statementObservers) if (!db || db === from) observer(sql);
}

/** A bound value held a NUL byte (refused, never rewritten). */
export class NulInValueError extends Error {
  constructor() {
    super('a bound value contains a NUL byte, which PostgreSQL text cannot hold');
    this.name = 'NulInValueError';
  }
}

export async function pingDb(db: Db): Promise<void> {
  await db.query('SELECT 1');
}
