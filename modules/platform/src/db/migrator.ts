import pg from 'pg';
import { QueryTypes, type QueryInterface, type Transaction } from 'sequelize';
import { Umzug, type UmzugStorage } from 'umzug';
import type { Db } from './sequelize';
import type { Logger } from '../logger';

export interface MigrationContext {
  db: Db;
  qi: QueryInterface;
  /** Each migration runs in its own transaction: pass it to every query. */
  transaction: Transaction;
  sql: (text: string) => Promise<unknown>;
}

/** One ordered, reversible migration of one module. */
export interface Migration {
  name: string;
  up(ctx: MigrationContext): Promise<void>;
  down(ctx: MigrationContext): Promise<void>;
}

/** What each module contributes to the migrator; modules are passed in the DAG's order. */
export interface ModuleMigrations {
  module: string;
  migrations: Migration[];
}

const LOCK_KEY = 7_401_137_001; // advisory lock id of the migrator (any fixed bigint)

class PgStorage implements UmzugStorage<MigrationContext> {
  constructor(private readonly db: Db) {}
  private async ensure() {
    await this.db.query('CREATE SCHEMA IF NOT EXISTS platform');
    await this.db.query(
      `CREATE TABLE IF NOT EXISTS platform.schema_migrations (
         name text PRIMARY KEY, executed_at timestamptz NOT NULL DEFAULT now())`,
    );
  }
  async logMigration({ name }: { name: string }) {
    await this.ensure();
    await this.db.query('INSERT INTO platform.schema_migrations(name) VALUES ($1)', { bind: [name] });
  }
  async unlogMigration({ name }: { name: string }) {
    await this.ensure();
    await this.db.query('DELETE FROM platform.schema_migrations WHERE name = $1', { bind: [name] });
  }
  async executed() {
    await this.ensure();
    const rows = await this.db.query<{ name: string }>('SELECT name FROM platform.schema_migrations', {
      type: QueryTypes.SELECT,
    });
    return rows.map((r) => r.name);
  }
}

function buildUmzug(db: Db, modules: ModuleMigrations[], logger?: Logger) {
  const migrations = modules.flatMap((m) =>
    m.migrations.map((mig) => {
      const run = (fn: Migration['up']) => async () => {
        await db.transaction(async (transaction) => {
          await fn({
            db,
            qi: db.getQueryInterface(),
            transaction,
            sql: (text: string) => db.query(text, { transaction }),
          });
        });
      };
      return { name: `${m.module}/${mig.name}`, up: run(mig.up), down: run(mig.down) };
    }),
  );
  return new Umzug({
    migrations,
    storage: new PgStorage(db),
    logger: logger
      ? {
          info: (m: Record<string, unknown>) => logger.info(m, 'migration'),
          warn: (m: Record<string, unknown>) => logger.warn(m, 'migration'),
          error: (m: Record<string, unknown>) => logger.error(m, 'migration'),
          debug: () => {},
        }
      : undefined,
  });
}

/**
 * Runs `fn` holding the migrator's PostgreSQL advisory lock on a connection of its own, so
 * replicas that start together migrate one after the other (the later ones find nothing to do).
 */
async function withMigrationLock<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'zjmall-migrator' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

export async function migrateUp(db: Db, url: string, modules: ModuleMigrations[], logger?: Logger) {
  return withMigrationLock(url, async () => {
    const done = await buildUmzug(db, modules, logger).up();
    return done.map((m) => m.name);
  });
}

/** Reverts migrations, newest first: `steps` of them, or all with `to: 0`. */
export async function migrateDown(
  db: Db,
  url: string,
  modules: ModuleMigrations[],
  opts: { steps?: number; to?: 0 } = { steps: 1 },
  logger?: Logger,
) {
  return withMigrationLock(url, async () => {
    const umzug = buildUmzug(db, modules, logger);
    const done = opts.to === 0 ? await umzug.down({ to: 0 }) : await umzug.down({ step: opts.steps ?? 1 });
    return done.map((m) => m.name);
  });
}

export async function migrationStatus(db: Db, modules: ModuleMigrations[]) {
  const umzug = buildUmzug(db, modules);
  return {
    executed: (await umzug.executed()).map((m) => m.name),
    pending: (await umzug.pending()).map((m) => m.name),
  };
}
