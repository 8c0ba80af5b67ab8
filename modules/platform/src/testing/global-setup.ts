import pg from 'pg';
import { randomBytes } from 'node:crypto';

/**
 * Once per `vitest run`: a run id that names this run's databases, Redis key prefix and NATS
 * stream/subject prefix, so concurrent runs (and CI next to a developer) never collide.
 * Databases made by test files are dropped at the end; the stream too (see test-env.ts).
 */
export default async function setup() {
  if (process.env.ZJ_TEST_RUN) return; // several projects share one run
  const run = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  process.env.ZJ_TEST_RUN = run;
  process.env.ZJ_TEST_PG_ADMIN_URL ??= process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.ZJ_TEST_REDIS_URL ??= process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.ZJ_TEST_NATS_URL ??= process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
  process.env.NODE_ENV = 'test';
  return async () => {
    const admin = new pg.Client({ connectionString: process.env.ZJ_TEST_PG_ADMIN_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
        `zj_${run}_%`,
      ]);
      for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };
}
