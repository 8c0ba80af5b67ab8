import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb } from './sequelize';
import { isDeadlock, retryOnDeadlock } from './deadlock';
import { createTestDatabase } from '../testing/database';

describe('retryOnDeadlock (real deadlocks between two transactions)', async () => {
  const url = await createTestDatabase('deadlock');
  const db = createDb({ url, poolMax: 4 });
  beforeAll(async () => {
    await db.query('CREATE TABLE pair (id int PRIMARY KEY, n int NOT NULL)');
    await db.query('INSERT INTO pair VALUES (1, 0), (2, 0)');
  });
  afterAll(() => db.close());

  /** Two transactions that lock rows 1 and 2 in opposite orders, both holding their first row when they take the second. */
  function opposite(wrap: <T>(f: () => Promise<T>) => Promise<T>) {
    let arrived = 0;
    let open!: () => void;
    const bothHoldTheirFirst = new Promise<void>((r) => (open = r));
    const work = (first: number, second: number) => {
      let attempt = 0;
      return wrap(() =>
        db.transaction(async (tx) => {
          attempt++;
          await db.query('UPDATE pair SET n = n + 1 WHERE id = $1', { bind: [first], transaction: tx });
          if (attempt === 1) {
            if (++arrived === 2) open();
            await bothHoldTheirFirst;
          }
          await db.query('UPDATE pair SET n = n + 1 WHERE id = $1', { bind: [second], transaction: tx });
        }),
      );
    };
    return Promise.allSettled([work(1, 2), work(2, 1)]);
  }

  it('without it, PostgreSQL aborts one of them with 40P01', async () => {
    const results = await opposite((f) => f());
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(isDeadlock((failed[0] as PromiseRejectedResult).reason)).toBe(true);
  });

  it('with it, the aborted one runs again and both commit once', async () => {
    const before = await db.query<{ n: number }>('SELECT sum(n)::int AS n FROM pair', { type: QueryTypes.SELECT });
    const results = await opposite((f) => retryOnDeadlock(f));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const after = await db.query<{ n: number }>('SELECT sum(n)::int AS n FROM pair', { type: QueryTypes.SELECT });
    expect(after[0].n - before[0].n).toBe(4);
  });

  it('passes any other error through at once', async () => {
    let calls = 0;
    const err = await retryOnDeadlock(async () => {
      calls++;
      await db.query('SELECT nope FROM pair');
    }).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(isDeadlock(err)).toBe(false);
  });
});
