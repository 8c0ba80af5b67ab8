import pg from 'pg';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformMigrations } from '../migrations';
import { captureSql, createTestEnv, type TestEnv } from '../testing';
import { sleep, waitFor } from '../bus/wait.fixture';
import { withIdempotency } from '../idempotency';
import { createOutbox, inTransaction, OUTBOX_CHANNEL } from './outbox';

describe('outbox.add', () => {
  let env: TestEnv;
  let listener: pg.Client;
  let notifications = 0;
  beforeAll(async () => {
    env = await createTestEnv({ label: 'outbox', modules: [platformMigrations], redis: false, nats: false });
    listener = new pg.Client({ connectionString: env.config.DATABASE_URL });
    await listener.connect();
    listener.on('notification', (n) => {
      if (n.channel === OUTBOX_CHANNEL) notifications++;
    });
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
  });
  afterAll(async () => {
    await listener?.end();
    await env?.close();
  });

  it('writes the events in the caller’s transaction, in order, and wakes the relay only at commit', async () => {
    const outbox = createOutbox();
    const { db } = env.platform;
    const tx = await db.transaction();
    const ids = await outbox.add(tx, [
      { type: 'order.created', aggregateId: 'o1', data: { text: 'quote " and \\ backslash', n: 1 } },
      { type: 'order.paid', aggregateId: 'o1', data: [1, 2], version: 2 },
    ]);
    expect(await outbox.add(tx, [])).toEqual([]);
    await sleep(50);
    expect(notifications).toBe(0);
    const outside = await db.query(`SELECT 1 FROM platform.outbox`, { type: QueryTypes.SELECT });
    expect(outside).toHaveLength(0); // not visible before commit
    await tx.commit();
    await waitFor('notification', () => notifications === 1);

    const rows = await db.query<{
      id: string;
      type: string;
      version: number;
      data: unknown;
      published_at: Date | null;
    }>(`SELECT id, type, version, data, published_at FROM platform.outbox ORDER BY seq`, { type: QueryTypes.SELECT });
    expect(rows).toEqual([
      {
        id: ids[0],
        type: 'order.created',
        version: 1,
        data: { text: 'quote " and \\ backslash', n: 1 },
        published_at: null,
      },
      { id: ids[1], type: 'order.paid', version: 2, data: [1, 2], published_at: null },
    ]);
  });

  it('writes a call’s events with one statement of bound values, inside the transaction', async () => {
    const outbox = createOutbox();
    const { db } = env.platform;
    let ids: string[] = [];
    const { statements: sent } = await captureSql(() =>
      db.transaction(async (tx) => {
        ids = [
          ...(await outbox.add(tx, [
            { type: 'cart.changed', aggregateId: 'c1', data: { it: "l'apostrophe" } },
            { type: 'cart.changed', aggregateId: 'c2', data: { it: 'quote " and $1' } },
          ])),
          ...(await outbox.add(tx, { type: 'order.created', aggregateId: 'o9', data: { n: 2 } })),
        ];
      }),
    );
    expect(sent).toHaveLength(4);
    expect(sent[0]).toBe('START TRANSACTION;');
    // One fixed text, whatever the number of events: the values are bound (arrays), never in the SQL.
    expect(sent[1]).toMatch(/^WITH ins AS \(\s*INSERT INTO platform\.outbox/);
    expect(sent[2]).toBe(sent[1]);
    expect(sent[1]).not.toMatch(/apostrophe|cart\.changed/);
    expect(sent[3]).toBe('COMMIT;');
    const rows = await db.query<{ id: string; data: unknown }>(
      `SELECT id, data FROM platform.outbox WHERE id = ANY($1::uuid[]) ORDER BY seq`,
      { bind: [ids], type: QueryTypes.SELECT },
    );
    expect(rows).toEqual([
      { id: ids[0], data: { it: "l'apostrophe" } },
      { id: ids[1], data: { it: 'quote " and $1' } },
      { id: ids[2], data: { n: 2 } },
    ]);
  });

  it('in a transaction opened by inTransaction, writes every add’s events with one statement at its end, in order', async () => {
    const outbox = createOutbox();
    const { db } = env.platform;
    let ids: string[] = [];
    const { statements: sent } = await captureSql(() =>
      inTransaction(db, async (tx) => {
        ids = [
          ...(await outbox.add(tx, { type: 'held.a', aggregateId: 'h1', data: { n: 1 } })),
          ...(await outbox.add(tx, [
            { type: 'held.b', aggregateId: 'h1', data: { n: 2 } },
            { type: 'held.c', aggregateId: 'h2', data: { n: 3 }, version: 2 },
          ])),
        ];
        // Held, not yet written: the transaction itself does not see them.
        const inside = await db.query(`SELECT 1 FROM platform.outbox WHERE aggregate_id IN ('h1', 'h2')`, {
          type: QueryTypes.SELECT,
          transaction: tx,
        });
        expect(inside).toEqual([]);
      }),
    );
    expect(sent).toHaveLength(4);
    expect(sent[0]).toBe('START TRANSACTION;');
    expect(sent[2]).toMatch(/^WITH ins AS \(\s*INSERT INTO platform\.outbox/);
    expect(sent[3]).toBe('COMMIT;');
    const rows = await db.query<{ id: string; type: string; version: number; data: unknown }>(
      `SELECT id, type, version, data FROM platform.outbox WHERE id = ANY($1::uuid[]) ORDER BY seq`,
      { bind: [ids], type: QueryTypes.SELECT },
    );
    expect(rows).toEqual([
      { id: ids[0], type: 'held.a', version: 1, data: { n: 1 } },
      { id: ids[1], type: 'held.b', version: 1, data: { n: 2 } },
      { id: ids[2], type: 'held.c', version: 2, data: { n: 3 } },
    ]);
  });

  it('writes nothing held when the callback throws, nor when its events cannot be written', async () => {
    const outbox = createOutbox();
    const { db } = env.platform;
    await db.query(`CREATE TABLE IF NOT EXISTS public.held_probe (id int PRIMARY KEY)`);
    const thrown = await inTransaction(db, async (tx) => {
      await outbox.add(tx, { type: 'held.undone', aggregateId: 'hu', data: {} });
      throw new Error('the use case failed');
    }).catch((e: unknown) => e);
    expect((thrown as Error).message).toBe('the use case failed');
    const bad = await inTransaction(db, async (tx) => {
      await db.query(`INSERT INTO public.held_probe VALUES (1)`, { transaction: tx });
      await outbox.add(tx, { type: 'held.bad', aggregateId: 'hu', data: { s: 'nul \u0000 here' } });
    }).catch((e: unknown) => e);
    expect(String((bad as Error).message)).toMatch(/unsupported Unicode escape sequence|\\u0000/);
    expect(await db.query(`SELECT * FROM public.held_probe`, { type: QueryTypes.SELECT })).toEqual([]);
    expect(
      await db.query(`SELECT 1 FROM platform.outbox WHERE aggregate_id = 'hu'`, { type: QueryTypes.SELECT }),
    ).toEqual([]);
  });

  it('withIdempotency writes the key’s answer and the events in one statement', async () => {
    const outbox = createOutbox();
    const { db } = env.platform;
    const { statements: sent, result } = await captureSql(() =>
      withIdempotency(db, { scope: 'user:1:held', key: 'k-held', input: { a: 1 } }, async (tx) => {
        const [id] = await outbox.add(tx, { type: 'held.answered', aggregateId: 'ha', data: {} });
        return { id };
      }),
    );
    // START, the key's insert, events + answer, COMMIT.
    expect(sent).toHaveLength(4);
    expect(sent[2]).toMatch(/^WITH answer AS \(\s*UPDATE platform\.idempotency_keys/);
    const [row] = await db.query<{ response: unknown }>(
      `SELECT response FROM platform.idempotency_keys WHERE scope = 'user:1:held' AND key = 'k-held'`,
      { type: QueryTypes.SELECT },
    );
    expect(row.response).toEqual(result);
    const events = await db.query<{ id: string }>(`SELECT id FROM platform.outbox WHERE aggregate_id = 'ha'`, {
      type: QueryTypes.SELECT,
    });
    expect(events).toEqual([{ id: result.id }]);
    // A repeat answers the stored result and writes no event.
    await expect(
      withIdempotency(db, { scope: 'user:1:held', key: 'k-held', input: { a: 1 } }, async (tx) => {
        await outbox.add(tx, { type: 'held.answered', aggregateId: 'ha', data: {} });
        return { id: 'again' };
      }),
    ).resolves.toEqual(result);
    expect(
      await db.query(`SELECT 1 FROM platform.outbox WHERE aggregate_id = 'ha'`, { type: QueryTypes.SELECT }),
    ).toHaveLength(1);
  });

  it('an event that cannot be written fails its transaction: nothing of it is kept', async () => {
    const outbox = createOutbox();
    const { db } = env.platform;
    await db.query(`CREATE TABLE IF NOT EXISTS public.outbox_probe (id int PRIMARY KEY)`);
    const failed = await db
      .transaction(async (tx) => {
        await db.query(`INSERT INTO public.outbox_probe VALUES (1)`, { transaction: tx });
        // jsonb refuses \u0000: the row cannot be inserted.
        await outbox.add(tx, { type: 'x.bad', aggregateId: 'a', data: { s: 'nul \u0000 here' } });
      })
      .catch((e: unknown) => e);
    expect(String((failed as Error).message)).toMatch(/unsupported Unicode escape sequence|\\u0000/);
    expect(await db.query(`SELECT * FROM public.outbox_probe`, { type: QueryTypes.SELECT })).toEqual([]);
    expect(await db.query(`SELECT 1 FROM platform.outbox WHERE type = 'x.bad'`, { type: QueryTypes.SELECT })).toEqual(
      [],
    );
    // The pool is fine afterwards.
    expect(await db.query(`SELECT 1 AS ok`, { type: QueryTypes.SELECT })).toEqual([{ ok: 1 }]);
  });

  it('a savepoint’s events are written in it: rolled back with it, kept with it', async () => {
    const outbox = createOutbox();
    const { db } = env.platform;
    const kept = await db.transaction(async (tx) => {
      const [outer] = await outbox.add(tx, { type: 'sp.outer', aggregateId: 'sp', data: {} });
      await db
        .transaction({ transaction: tx }, async (sp) => {
          await outbox.add(sp, { type: 'sp.inner.undone', aggregateId: 'sp', data: {} });
          throw new Error('roll the savepoint back');
        })
        .catch(() => undefined);
      const [inner] = await db.transaction({ transaction: tx }, (sp) =>
        outbox.add(sp, { type: 'sp.inner.kept', aggregateId: 'sp', data: {} }),
      );
      return [outer, inner];
    });
    const rows = await db.query<{ id: string; type: string }>(
      `SELECT id, type FROM platform.outbox WHERE aggregate_id = 'sp' ORDER BY type`,
      { type: QueryTypes.SELECT },
    );
    expect(rows).toEqual([
      { id: kept[1], type: 'sp.inner.kept' },
      { id: kept[0], type: 'sp.outer' },
    ]);
  });

  it('rejects an event without a type or with a bad version', async () => {
    const outbox = createOutbox();
    await expect(
      env.platform.db.transaction((tx) => outbox.add(tx, { type: '', aggregateId: 'a', data: {} })),
    ).rejects.toThrow(/type/);
    await expect(
      env.platform.db.transaction((tx) => outbox.add(tx, { type: 'x.y', aggregateId: 'a', data: {}, version: 0 })),
    ).rejects.toThrow(/version/);
  });
});
