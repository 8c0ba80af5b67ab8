import pg from 'pg';

/**
 * The SQL texts every pg client of this process (sequelize's pool included) sends while `fn`
 * runs, in order. A new pool connection's session set-up (`SET …`, but not `SET TRANSACTION`) is
 * left out: it is not a statement of the code under test. For statement counts (no N+1, round-trip
 * budgets) and for checking what goes in one write.
 */
export async function captureSql<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const statements: string[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0];
    const text = typeof q === 'string' ? q : String((q as { text?: string })?.text ?? q);
    if (!/^SET (?!TRANSACTION)/.test(text)) statements.push(text);
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), statements };
  } finally {
    proto.query = original;
  }
}
