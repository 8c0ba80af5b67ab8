import { observeStatements, type Db } from '../db/sequelize';

/**
 * The SQL texts every Db of this process sends while `fn` runs, in order (platform's
 * `observeStatements`, on sequelize's documented logging option) — only `db`'s when given, which a
 * statement count should pass: other platforms' background work (pollers, sweepers, cache refills)
 * would otherwise be counted. Connections' session set-up is not a statement of the code under
 * test and is not seen. For statement counts (no N+1, round-trip budgets) and for checking what
 * goes in one write.
 */
export async function captureSql<T>(fn: () => Promise<T>, db?: Db): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const stop = observeStatements((sql) => statements.push(sql), db);
  try {
    return { result: await fn(), statements };
  } finally {
    stop();
  }
}
