import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes, Transaction, UniqueConstraintError, ForeignKeyConstraintError, DatabaseError } from 'sequelize';
import { createDb } from './sequelize';
import { createTestDatabase } from '../testing/database';
import { captureSql } from '../testing/sql-capture';

describe('direct queries (raw SQL skips sequelize’s per-call machinery, with its semantics)', async () => {
  const url = await createTestDatabase('directq');
  const db = createDb({ url, poolMax: 4 });
  beforeAll(async () => {
    await db.query('CREATE TABLE parent (id int PRIMARY KEY)');
    await db.query('CREATE TABLE thing (id int PRIMARY KEY, parent_id int REFERENCES parent(id), name text, n bigint)');
    await db.query('INSERT INTO parent VALUES (1)');
  });
  afterAll(() => db.close());

  it('answers SELECT with rows, RAW with [rows, result] and a RAW INSERT with [rows, rowCount], as sequelize does', async () => {
    const rows = await db.query<{ x: number; s: string }>('SELECT $1::int AS x, $2::text AS s', {
      bind: [7, 'a'],
      type: QueryTypes.SELECT,
    });
    expect(rows).toEqual([{ x: 7, s: 'a' }]);
    const [ins, count] = await db.query(
      'INSERT INTO thing (id, name, n) VALUES ($1, $2, $3), ($4, $5, $6) RETURNING id',
      { bind: [1, 'one', 10, 2, 'two', 20] },
    );
    expect(ins).toEqual([{ id: 1 }, { id: 2 }]);
    expect(count).toBe(2);
    const [upd, meta] = (await db.query('UPDATE thing SET n = n + 1 WHERE id = ANY($1::int[])', {
      bind: [[1, 2]],
    })) as [unknown[], { rowCount: number }];
    expect(upd).toEqual([]);
    expect(meta.rowCount).toBe(2);
    // BIGINT comes back as a number (the platform's parser), arrays bind natively.
    expect(await db.query('SELECT n FROM thing WHERE id = $1', { bind: [1], type: QueryTypes.SELECT })).toEqual([
      { n: 11 },
    ]);
  });

  it('refuses a NUL in a value instead of storing something else', async () => {
    const e = await db
      .query('SELECT $1::text AS s', { bind: ['a\0b'], type: QueryTypes.SELECT })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DatabaseError);
    expect((e as { parent: { code: string } }).parent.code).toBe('22021');
  });

  it('sends the statement as written, once, with no sequelize rewriting', async () => {
    const { statements: texts } = await captureSql(() =>
      db.query('SELECT $1::int AS x', { bind: [1], type: QueryTypes.SELECT }),
    );
    expect(texts).toEqual(['SELECT $1::int AS x']);
  });

  it('raises the dialect’s error classes with the pg error as parent', async () => {
    const dup = await db.query('INSERT INTO thing (id) VALUES ($1)', { bind: [1] }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(UniqueConstraintError);
    expect((dup as { parent: { code: string; constraint: string } }).parent).toMatchObject({
      code: '23505',
      constraint: 'thing_pkey',
    });
    const fk = await db
      .query('INSERT INTO thing (id, parent_id) VALUES ($1, $2)', { bind: [3, 99] })
      .catch((e: unknown) => e);
    expect(fk).toBeInstanceOf(ForeignKeyConstraintError);
    const bad = await db.query('SELECT nope FROM thing', { type: QueryTypes.SELECT }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DatabaseError);
    expect((bad as { parent: { code: string } }).parent.code).toBe('42703');
  });

  it('runs inside transactions (commit and rollback), and refuses a finished one', async () => {
    await db.transaction(async (tx) => {
      await db.query('INSERT INTO thing (id, name) VALUES ($1, $2)', { bind: [10, 'kept'], transaction: tx });
    });
    await db
      .transaction(async (tx) => {
        await db.query('INSERT INTO thing (id, name) VALUES ($1, $2)', { bind: [11, 'gone'], transaction: tx });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const ids = await db.query<{ id: number }>('SELECT id FROM thing WHERE id >= 10 ORDER BY id', {
      type: QueryTypes.SELECT,
    });
    expect(ids).toEqual([{ id: 10 }]);

    const tx = await db.transaction();
    await tx.commit();
    await expect(db.query('SELECT 1', { type: QueryTypes.SELECT, transaction: tx })).rejects.toThrow(
      /commit has been called on this transaction/,
    );
  });

  it('a failed statement aborts its transaction as usual; the pool stays usable', async () => {
    const err = await db
      .transaction(async (tx) => {
        await db.query('INSERT INTO thing (id) VALUES ($1)', { bind: [1], transaction: tx }).catch(() => undefined);
        return db.query('SELECT 1', { type: QueryTypes.SELECT, transaction: tx });
      })
      .catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/current transaction is aborted/);
    // Every connection still works (none was left in a transaction).
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.query<{ i: number }>('SELECT $1::int AS i', { bind: [i], type: QueryTypes.SELECT }),
      ),
    );
    expect(all.map((r) => r[0].i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('sends a transaction’s START TRANSACTION with its first statement, whatever path that takes', async () => {
    // Parameters: one pipelined query (BEGIN + statement), then COMMIT.
    const withParams = await captureSql(() =>
      db.transaction((tx) => db.query('SELECT $1::int AS x', { bind: [1], type: QueryTypes.SELECT, transaction: tx })),
    );
    expect(withParams.result).toEqual([{ x: 1 }]);
    expect(withParams.statements).toEqual(['SELECT $1::int AS x', 'COMMIT;']);
    // No parameters: one simple-protocol string.
    const plain = await captureSql(() =>
      db.transaction((tx) => db.query('SELECT 2 AS y', { type: QueryTypes.SELECT, transaction: tx })),
    );
    expect(plain.result).toEqual([{ y: 2 }]);
    expect(plain.statements).toEqual(['START TRANSACTION;\nSELECT 2 AS y', 'COMMIT;']);
    // It really is one transaction: txid stays, and a rollback undoes the first statement.
    const [a, b] = await db.transaction(async (tx) => [
      ...(await db.query<{ t: string }>('SELECT txid_current()::text AS t', {
        type: QueryTypes.SELECT,
        transaction: tx,
      })),
      ...(await db.query<{ t: string }>('SELECT txid_current()::text AS t WHERE $1::int = 1', {
        bind: [1],
        type: QueryTypes.SELECT,
        transaction: tx,
      })),
    ]);
    expect(a.t).toBe(b.t);
    await db
      .transaction(async (tx) => {
        await db.query('INSERT INTO thing (id, name) VALUES ($1, $2)', { bind: [20, 'undone'], transaction: tx });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await db.query('SELECT id FROM thing WHERE id = 20', { type: QueryTypes.SELECT })).toEqual([]);
    // A failing first statement: the error, and the transaction rolled back.
    const err = await db
      .transaction((tx) => db.query('INSERT INTO thing (id) VALUES ($1)', { bind: [1], transaction: tx }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UniqueConstraintError);
    // An isolation level still applies (sequelize sets it right after START TRANSACTION).
    const level = await db.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, (tx) =>
      db.query<{ l: string }>('SELECT current_setting($1) AS l', {
        bind: ['transaction_isolation'],
        type: QueryTypes.SELECT,
        transaction: tx,
      }),
    );
    expect(level).toEqual([{ l: 'repeatable read' }]);
    // A model-style query (sequelize's own path) as the first statement: START TRANSACTION goes first.
    const viaSequelize = await captureSql(() =>
      db.transaction((tx) =>
        db.query('SELECT :v::int AS v', { replacements: { v: 3 }, type: QueryTypes.SELECT, transaction: tx }),
      ),
    );
    expect(viaSequelize.result).toEqual([{ v: 3 }]);
    expect(viaSequelize.statements[0]).toMatch(/^START TRANSACTION/);
    // Every pooled connection is back outside any transaction.
    const states = await Promise.all(
      Array.from({ length: 4 }, () =>
        db.query<{ s: string }>(`SELECT now() = statement_timestamp() AS s`, { type: QueryTypes.SELECT }),
      ),
    );
    expect(states.every((r) => String(r[0].s) === 'true')).toBe(true);
  });

  it('prepares a parameterised statement once per connection and reuses it, also as a transaction’s first statement', async () => {
    const one = createDb({ url, poolMax: 1 });
    try {
      const sql = 'SELECT n FROM thing WHERE id = $1';
      for (let i = 0; i < 3; i++)
        expect(await one.query(sql, { bind: [1], type: QueryTypes.SELECT })).toEqual([{ n: 11 }]);
      const inTx = 'SELECT count(*)::int AS c FROM thing WHERE id >= $1';
      for (let i = 0; i < 2; i++)
        await one.transaction((tx) => one.query(inTx, { bind: [0], type: QueryTypes.SELECT, transaction: tx }));
      // A statement that failed at execution stays prepared and works the next time.
      const ins = 'INSERT INTO thing (id) VALUES ($1)';
      await expect(one.query(ins, { bind: [1] })).rejects.toBeInstanceOf(UniqueConstraintError);
      await one.query(ins, { bind: [30] });
      // A statement that PostgreSQL refuses to parse is refused again, with the same error.
      for (let i = 0; i < 2; i++)
        await expect(one.query('SELECT nope FROM thing WHERE id = $1', { bind: [1] })).rejects.toThrow(
          /column "nope" does not exist/,
        );
      // A long text (one built per row, like a 100-line VALUES list) is not kept as a named statement.
      const long = `SELECT $1::int AS x /* ${'-'.repeat(4100)} */`;
      expect(await one.query(long, { bind: [5], type: QueryTypes.SELECT })).toEqual([{ x: 5 }]);
      const prepared = await one.query<{ statement: string }>(
        'SELECT statement FROM pg_prepared_statements ORDER BY statement',
        { type: QueryTypes.SELECT },
      );
      expect(prepared.map((p) => p.statement)).toEqual([ins, inTx, sql].sort());
    } finally {
      await one.close();
    }
  });

  it('sends no named statement when prepared statements are off (DB_PREPARED_STATEMENTS=false, for poolers that cannot keep them)', async () => {
    const plain = createDb({ url, poolMax: 1, preparedStatements: false });
    try {
      expect(await plain.query('SELECT n FROM thing WHERE id = $1', { bind: [1], type: QueryTypes.SELECT })).toEqual([
        { n: 11 },
      ]);
      await plain.transaction((tx) =>
        plain.query('SELECT $1::int AS x', { bind: [1], type: QueryTypes.SELECT, transaction: tx }),
      );
      expect(
        await plain.query('SELECT count(*)::int AS c FROM pg_prepared_statements', { type: QueryTypes.SELECT }),
      ).toEqual([{ c: 0 }]);
    } finally {
      await plain.close();
    }
  });

  it('a statement prepared before its table changed shape is prepared again (outside a transaction) or fails that transaction only', async () => {
    const one = createDb({ url, poolMax: 1 });
    try {
      await one.query('CREATE TABLE shape (id int PRIMARY KEY, a text)');
      await one.query('INSERT INTO shape VALUES (1, $1)', { bind: ['x'] });
      const star = 'SELECT * FROM shape WHERE id = $1';
      expect(await one.query(star, { bind: [1], type: QueryTypes.SELECT })).toEqual([{ id: 1, a: 'x' }]);
      await one.query('ALTER TABLE shape ADD COLUMN b text');
      expect(await one.query(star, { bind: [1], type: QueryTypes.SELECT })).toEqual([{ id: 1, a: 'x', b: null }]);
      expect(await one.query(star, { bind: [1], type: QueryTypes.SELECT })).toEqual([{ id: 1, a: 'x', b: null }]);
      await one.query('ALTER TABLE shape ADD COLUMN c text');
      const failed = await one
        .transaction((tx) => one.query(star, { bind: [1], type: QueryTypes.SELECT, transaction: tx }))
        .catch((e: unknown) => e);
      expect((failed as { parent?: { code?: string } }).parent?.code).toBe('0A000');
      // The next transaction has a fresh connection.
      expect(
        await one.transaction((tx) => one.query(star, { bind: [1], type: QueryTypes.SELECT, transaction: tx })),
      ).toEqual([{ id: 1, a: 'x', b: null, c: null }]);
    } finally {
      await one.close();
    }
  });

  it('leaves model queries, replacements and `$$` to sequelize', async () => {
    // sequelize's own path runs its query hooks; the direct path does not.
    let viaSequelize = 0;
    db.addHook('beforeQuery', 'count', () => {
      viaSequelize++;
    });
    await db.query('SELECT $1::int AS v', { bind: [1], type: QueryTypes.SELECT });
    await db.transaction((tx) => db.query('SELECT 1', { type: QueryTypes.SELECT, transaction: tx }));
    expect(viaSequelize).toBe(0);
    expect(await db.query('SELECT :v::int AS v', { replacements: { v: 5 }, type: QueryTypes.SELECT })).toEqual([
      { v: 5 },
    ]);
    expect(await db.query('SELECT $1::int AS v', { bind: [6], type: QueryTypes.SELECT, plain: true })).toEqual({
      v: 6,
    });
    // sequelize turns `$$` into `$` in bound statements; the direct path leaves those to it.
    expect(await db.query(`SELECT '$$'::text AS d, $1::int AS v`, { bind: [1], type: QueryTypes.SELECT })).toEqual([
      { d: '$', v: 1 },
    ]);
    expect(viaSequelize).toBe(3);
    db.removeHook('beforeQuery', 'count');
  });
});
