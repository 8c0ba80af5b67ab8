import pg from 'pg';
import { QueryTypes, type Transaction } from 'sequelize';
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
  /** Named prepared statements for direct queries with parameters (default true). */
  preparedStatements?: boolean;
}

export type Db = Sequelize;

export function createDb(opts: DbOptions): Db {
  const db = new Sequelize(opts.url, {
    dialect: 'postgres',
    dialectModule: pg,
    logging: false,
    benchmark: false,
    pool: { max: opts.poolMax, min: 0, idle: 10_000, acquire: 30_000 },
    dialectOptions: { application_name: opts.applicationName ?? 'zjmall' },
    define: { underscored: true, timestamps: false, freezeTableName: true },
  });
  installDirectQueries(db, opts.preparedStatements ?? true);
  return db;
}

// ---- The direct query path -------------------------------------------------------------------
//
// `sequelize.query` costs ≈ 190 µs of Node CPU per statement on this machine kind, raw `pg` ≈ 80
// (measured: SELECT $1 at 8 in flight). The difference is sequelize's per-call machinery (option
// merging, bind-parameter rewriting, retry wrapper, hooks, a Query object, row copying), which
// raw SQL with bound parameters never needs. So the statements the code sends itself — raw SQL
// with an array `bind` (or none), typed SELECT or RAW, and the transaction statements — go
// straight to the pooled pg connection (the transaction's, or one borrowed from sequelize's
// pool), keeping sequelize's semantics: the same connection and pool, the same results (rows for
// SELECT; [rows, result] for RAW; [rows, rowCount] for a RAW INSERT), the same error classes
// (formatted by the dialect, so UniqueConstraintError and `.parent.code` work as before), and the
// same refusal of a finished transaction. Model queries and anything with other options take
// sequelize's own path.

type Options = Record<string, unknown> & {
  transaction?: DirectTx | null;
  bind?: unknown;
  type?: string;
  completesTransaction?: boolean;
};
interface PgConnection {
  query(text: string | object, values?: unknown[]): Promise<{ rows: object[]; rowCount: number | null }>;
  _invalid?: boolean;
}
interface DirectTx {
  connection: PgConnection;
  finished?: string;
  id: string;
}
interface SequelizeInternals {
  query(sql: unknown, options?: unknown): Promise<unknown>;
  connectionManager: { getConnection(o: object): Promise<PgConnection>; releaseConnection(c: PgConnection): void };
  dialect: {
    Query: new (c: PgConnection, s: unknown, o: object) => { formatError(e: unknown, stack?: string): Error };
  };
}

/** Options a direct query may carry: anything else (models, replacements, plain, nest, …) goes the long way. */
const DIRECT_KEYS = new Set([
  'bind',
  'type',
  'transaction',
  'completesTransaction',
  'supportsSearchPath',
  'readOnly',
  'isolationLevel',
  'deferrable',
]);
const TX_STATEMENT = /^(START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|SET TRANSACTION)\b/;
/** `$$` in SQL means `$` to sequelize's bind rewriting; statements using it take the long way. */
const hasDollarDollar = (sql: string) => sql.includes('$$');

function directEligible(sql: unknown, options: Options | undefined): sql is string {
  if (typeof sql !== 'string' || hasDollarDollar(sql)) return false;
  if (!options) return true;
  for (const k in options) if (options[k] !== undefined && !DIRECT_KEYS.has(k)) return false;
  const { type, bind } = options;
  if (bind !== undefined && !(Array.isArray(bind) && bind.every((v) => v !== undefined))) return false;
  if (type === undefined || type === QueryTypes.SELECT || type === QueryTypes.RAW) return true;
  // Transaction control (sequelize passes the transaction's own options, type DEFERRED among them).
  return options.transaction != null && bind === undefined && TX_STATEMENT.test(sql);
}

// ---- SQL that rides with COMMIT --------------------------------------------------------------
//
// Work that must happen in a transaction but only needs doing once, at its end (the outbox's rows
// and the relay's wake-up call), can be handed over as literal SQL: it is sent with the COMMIT in one
// simple-protocol string (`…; COMMIT`), one round trip for both. If it fails, PostgreSQL skips the
// rest of the string — the COMMIT included — and the transaction fails as any failed commit does:
// nothing of it is kept.

const DEFERS = Symbol('zjmall.defersCommitSql');
const atCommit = new WeakMap<object, (() => string)[]>();

/** A string as an SQL literal (pg's escapeLiteral), for SQL handed to beforeCommit. */
export const sqlLiteral = (v: string): string => pg.escapeLiteral(v);

/**
 * Runs `sql()` (literal SQL, no parameters: escape every value) in `tx` right before its COMMIT, in
 * the same round trip. False when it cannot — a Db not made by createDb, or a savepoint (which may
 * be rolled back on its own) — and the caller then does the work now.
 */
export function beforeCommit(tx: Transaction, sql: () => string): boolean {
  const t = tx as unknown as { sequelize?: unknown; parent?: unknown };
  // A savepoint can be rolled back on its own: its work is done now, inside it.
  if (t.parent || !(t.sequelize as Record<symbol, unknown> | undefined)?.[DEFERS]) return false;
  const list = atCommit.get(t);
  if (list) list.push(sql);
  else atCommit.set(t, [sql]);
  return true;
}

/**
 * A transaction's START TRANSACTION, held back until its first statement: both go in one write —
 * a simple-protocol string when that statement has no parameters, else this extended-protocol
 * pipeline (Parse/Bind/Execute of the BEGIN, then the statement's own messages and one Sync), whose
 * answer is the two results. One round trip per transaction fewer, for every transaction.
 */
const pendingBegin = new WeakMap<object, string>();
const PgQuery = (pg as unknown as { Query: new (config: object) => { prepare(c: unknown): void } }).Query;
class BeginThen extends PgQuery {
  constructor(
    private readonly begin: string,
    text: string,
    values: unknown[],
    name: string | undefined,
    callback: (err: Error | null, res?: PgResult | PgResult[]) => void,
  ) {
    super({ text, values, name, queryMode: 'extended', callback });
  }
  override prepare(connection: { parse(o: object): void; bind(o: object): void; execute(o: object): void }): void {
    connection.parse({ text: this.begin, types: [] });
    connection.bind({ values: [] });
    connection.execute({ portal: '', rows: 0 });
    super.prepare(connection);
  }
}
/**
 * Named prepared statements. A direct query with parameters is sent as a named statement, so each
 * pooled connection parses and analyses a statement's text once and PostgreSQL may keep its plan
 * (plan_cache_mode stays `auto`: a statement whose custom plans are cheaper keeps getting them).
 * Parsing, analysis and planning were ≈ 44% of PostgreSQL's CPU in the checkout bench (perf); with
 * names, PostgreSQL's CPU per order fell by ≈ a quarter (modules/platform/README.md). Names are per SQL text, process-wide
 * (pg remembers per connection which it has parsed). Texts built with a varying shape (a VALUES list
 * per line) make a bounded number of names: past MAX_NAMED_LENGTH characters a text goes unnamed, and
 * past MAX_NAMED texts new ones do too — each backend keeps at most that many plans.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED = 1000;
/** Longer texts are the ones built per row (a 100-line VALUES list): left unnamed, so no backend keeps a plan per shape. */
const MAX_NAMED_LENGTH = 4096;
function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_NAMED && sql.length <= MAX_NAMED_LENGTH)
    statementNames.set(sql, (name = `zj${statementNames.size}`));
  return name;
}
/**
 * A named statement prepared before a table changed shape (a migration added a column under its
 * `SELECT *`) fails with 0A000 "cached plan must not change result type" until it is prepared again.
 */
const isStalePlan = (e: { code?: string; message?: string }) =>
  e.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');

type PgResult = { rows: object[]; rowCount: number | null };
const last = (r: PgResult | PgResult[]): PgResult => (Array.isArray(r) ? r[r.length - 1] : r);

function installDirectQueries(db: Sequelize, prepare: boolean): void {
  const nameOf = prepare ? statementName : () => undefined;
  (db as unknown as Record<symbol, unknown>)[DEFERS] = true;
  const seq = db as unknown as SequelizeInternals;
  const original = seq.query.bind(db);
  seq.query = function directQuery(rawSql: unknown, options?: Options) {
    if (!directEligible(rawSql, options)) {
      // sequelize's own path, in a transaction whose START TRANSACTION is still held: send it first.
      const conn = options?.transaction?.connection;
      const begin = conn ? pendingBegin.get(conn) : undefined;
      if (conn && begin !== undefined) {
        pendingBegin.delete(conn);
        return conn.query(begin).then(() => original(rawSql, options));
      }
      return original(rawSql, options);
    }
    return run(rawSql.trim(), options ?? {});
  };

  async function run(sql: string, options: Options): Promise<unknown> {
    const tx = options.transaction ?? undefined;
    if (tx?.finished && !options.completesTransaction) {
      const error = new Error(
        `${tx.finished} has been called on this transaction(${tx.id}), you can no longer use it. (The rejected query is attached as the 'sql' property of this error)`,
      ) as Error & { sql: string };
      error.sql = sql;
      throw error;
    }
    // Values go as they are: a NUL, which PostgreSQL's text cannot hold, is an error here (inputs
    // refuse it at the edge), never rewritten into something else.
    const values = Array.isArray(options.bind) ? (options.bind as unknown[]) : undefined;
    if (tx && options.completesTransaction && sql.startsWith('COMMIT')) {
      const pending = atCommit.get(tx);
      if (pending) {
        atCommit.delete(tx);
        sql = `${pending.map((build) => build()).join(';\n')};\n${sql}`;
      }
    }
    const connection = tx
      ? tx.connection
      : await seq.connectionManager.getConnection({ type: options.type === QueryTypes.SELECT ? 'SELECT' : undefined });
    if (tx && options.bind === undefined && /^START TRANSACTION\b/.test(sql) && !pendingBegin.has(connection)) {
      // Sent with the transaction's first statement (below), in its round trip.
      pendingBegin.set(connection, sql.replace(/;\s*$/, ''));
      return [];
    }
    const begin = tx ? pendingBegin.get(connection) : undefined;
    if (begin !== undefined) pendingBegin.delete(connection);
    const send = async (name: string | undefined): Promise<PgResult> => {
      if (begin === undefined)
        return values && values.length ? connection.query({ text: sql, values, name }) : connection.query(sql);
      if (!values || !values.length) return last(await connection.query(`${begin};\n${sql}`));
      const v = values;
      return last(
        await new Promise<PgResult | PgResult[]>((resolve, reject) => {
          void connection.query(new BeginThen(begin, sql, v, name, (err, res) => (err ? reject(err) : resolve(res!))));
        }),
      );
    };
    try {
      let result: PgResult;
      try {
        result = await send(nameOf(sql));
      } catch (first) {
        let error = first as Error & { code?: string; sql?: string; parameters?: unknown };
        if (error.code === 'ECONNRESET' || error.message === 'Query read timeout') connection._invalid = true;
        let retried: PgResult | undefined;
        if (isStalePlan(error)) {
          // This connection's statements predate a schema change: the pool replaces it. Outside a
          // transaction nothing ran, so the statement is sent again, unnamed; inside one the
          // transaction has failed and the error is the caller's (its next one gets a fresh connection).
          connection._invalid = true;
          if (!tx)
            retried = await send(undefined).catch((again: unknown) => ((error = again as typeof error), undefined));
        }
        if (retried === undefined) {
          error.sql = sql;
          error.parameters = values;
          // (sequelize records a stack at every call for this; here the error keeps pg's own: that
          // costs nothing until something fails.)
          throw new seq.dialect.Query(connection, db, { ...options }).formatError(error, error.stack);
        }
        result = retried;
      }
      const rows = result.rows ?? [];
      if (options.type === QueryTypes.SELECT) return rows;
      if (options.type !== undefined && options.type !== QueryTypes.RAW) return rows;
      const lower = sql.slice(0, 12).toLowerCase();
      if (lower.startsWith('show') || lower.startsWith('describe')) return rows;
      if (lower.startsWith('insert into')) return [rows, result.rowCount ?? 0];
      return [rows, result];
    } finally {
      if (!tx) seq.connectionManager.releaseConnection(connection);
    }
  }
}

/** Adapts a sequelize instance to the small interface SQL-level helpers use. */
export async function pingDb(db: Db): Promise<void> {
  await db.query('SELECT 1');
}
