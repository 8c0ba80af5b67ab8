import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes, Transaction, UniqueConstraintError, ForeignKeyConstraintError, DatabaseError } from 'sequelize';
import { Sequelize } from 'sequelize-typescript';
import { createDb, NulInValueError } from './sequelize';
import { createTestDatabase } from '../testing/database';
import { captureSql } from '../testing/sql-capture';

describe('the database (sequelize through its documented API)', async () => {
  const url = await createTestDatabase('dbapi');
  const db = createDb({ url, poolMax: 4 });
  beforeAll(async () => {
    await db.query('CREATE TABLE parent (id int PRIMARY KEY)');
    await db.query('CREATE TABLE thing (id int PRIMARY KEY, parent_id int REFERENCES parent(id), name text, n bigint)');
    await db.query('INSERT INTO parent VALUES (1)');
  });
  afterAll(() => db.close());

  it('is sequelize itself: nothing of it is replaced', () => {
    expect(db).toBeInstanceOf(Sequelize);
    expect(db.query).toBe(Sequelize.prototype.query);
    expect(Object.prototype.hasOwnProperty.call(db, 'query')).toBe(false);
  });

  it('answers SELECT with rows, RAW with [rows, result] and a RAW INSERT with [rows, rowCount]', async () => {
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
    await expect(db.query(`SELECT '9007199254740993'::bigint AS big`, { type: QueryTypes.SELECT })).rejects.toThrow(
      /exceeds Number.MAX_SAFE_INTEGER/,
    );
  });

  it('refuses a NUL in a bound value (alone or in an array) instead of storing something else', async () => {
    // (sequelize's postgres dialect would send `a\0b` as the four characters a, \, 0, b.)
    for (const bind of [['a\0b'], [['ok', 'a\0b']]]) {
      await expect(
        db.query('INSERT INTO thing (id, name) SELECT 40, x FROM unnest($1::text[]) x', {
          bind: [Array.isArray(bind[0]) ? bind[0] : [bind[0]]],
        }),
      ).rejects.toBeInstanceOf(NulInValueError);
    }
    await expect(db.query('SELECT $1::text AS s', { bind: ['a\0b'], type: QueryTypes.SELECT })).rejects.toBeInstanceOf(
      NulInValueError,
    );
    expect(await db.query('SELECT id FROM thing WHERE id = 40', { type: QueryTypes.SELECT })).toEqual([]);
  });

  it('sends the statement as written, with its values bound, unnamed (no prepared statement is kept)', async () => {
    const { statements } = await captureSql(() =>
      db.query('SELECT $1::int AS x', { bind: [1], type: QueryTypes.SELECT }),
    );
    expect(statements).toEqual(['SELECT $1::int AS x']);
    const kept = await db.transaction(async (tx) => {
      await db.query('SELECT n FROM thing WHERE id = $1', { bind: [1], type: QueryTypes.SELECT, transaction: tx });
      return db.query<{ c: number }>('SELECT count(*)::int AS c FROM pg_prepared_statements', {
        type: QueryTypes.SELECT,
        transaction: tx,
      });
    });
    expect(kept).toEqual([{ c: 0 }]);
  });

  it('captures every Db’s statements, or only one Db’s when given', async () => {
    const other = createDb({ url, poolMax: 1 });
    try {
      const both = await captureSql(() =>
        Promise.all([db.query('SELECT 1 AS mine'), other.query('SELECT 2 AS theirs')]).then(() => null),
      );
      expect([...both.statements].sort()).toEqual(['SELECT 1 AS mine', 'SELECT 2 AS theirs']);
      const scoped = await captureSql(
        () => Promise.all([db.query('SELECT 1 AS mine'), other.query('SELECT 2 AS theirs')]).then(() => null),
        db,
      );
      expect(scoped.statements).toEqual(['SELECT 1 AS mine']);
    } finally {
      await other.close();
    }
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

  it('runs transactions with an ordinary START TRANSACTION … COMMIT, or ROLLBACK when the callback throws', async () => {
    const committed = await captureSql(() =>
      db.transaction(async (tx) => {
        await db.query('INSERT INTO thing (id, name) VALUES ($1, $2)', { bind: [10, 'kept'], transaction: tx });
      }),
    );
    expect(committed.statements).toEqual([
      'START TRANSACTION;',
      'INSERT INTO thing (id, name) VALUES ($1, $2)',
      'COMMIT;',
    ]);
    const rolledBack = await captureSql(() =>
      db
        .transaction(async (tx) => {
          await db.query('INSERT INTO thing (id, name) VALUES ($1, $2)', { bind: [11, 'gone'], transaction: tx });
          throw new Error('roll back');
        })
        .catch(() => undefined),
    );
    expect(rolledBack.statements).toEqual([
      'START TRANSACTION;',
      'INSERT INTO thing (id, name) VALUES ($1, $2)',
      'ROLLBACK;',
    ]);
    const ids = await db.query<{ id: number }>('SELECT id FROM thing WHERE id >= 10 ORDER BY id', {
      type: QueryTypes.SELECT,
    });
    expect(ids).toEqual([{ id: 10 }]);
    // An isolation level applies.
    const level = await db.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, (tx) =>
      db.query<{ l: string }>('SELECT current_setting($1) AS l', {
        bind: ['transaction_isolation'],
        type: QueryTypes.SELECT,
        transaction: tx,
      }),
    );
    expect(level).toEqual([{ l: 'repeatable read' }]);

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
    // Every connection still works and is outside any transaction (now() is the transaction's start).
    const all = await Promise.all(
      Array.from({ length: 8 }, () =>
        db.query<{ idle: boolean }>('SELECT now() = statement_timestamp() AS idle', { type: QueryTypes.SELECT }),
      ),
    );
    expect(all.map((r) => r[0].idle)).toEqual(Array(8).fill(true));
  });

  it('a table that changes shape under a `SELECT *` is read in its new shape, in and out of transactions', async () => {
    const one = createDb({ url, poolMax: 1 });
    try {
      await one.query('CREATE TABLE shape (id int PRIMARY KEY, a text)');
      await one.query('INSERT INTO shape VALUES (1, $1)', { bind: ['x'] });
      const star = 'SELECT * FROM shape WHERE id = $1';
      expect(await one.query(star, { bind: [1], type: QueryTypes.SELECT })).toEqual([{ id: 1, a: 'x' }]);
      await one.query('ALTER TABLE shape ADD COLUMN b text');
      expect(await one.query(star, { bind: [1], type: QueryTypes.SELECT })).toEqual([{ id: 1, a: 'x', b: null }]);
      await one.query('ALTER TABLE shape ADD COLUMN c text');
      expect(
        await one.transaction((tx) => one.query(star, { bind: [1], type: QueryTypes.SELECT, transaction: tx })),
      ).toEqual([{ id: 1, a: 'x', b: null, c: null }]);
    } finally {
      await one.close();
    }
  });
});
