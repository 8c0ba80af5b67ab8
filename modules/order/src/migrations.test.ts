import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb, migrateDown, migrateUp, newId, type Db } from '@zjmall/platform';
import { createTestDatabase } from '@zjmall/platform/testing';
import { orderMigrations } from './migrations';

/** 0002-refund-status: legacy partially_refunded/refunded orders get their fulfilment status back from their log, and down restores them. */
describe('order migrations', () => {
  let db: Db;
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase('order_mig');
    db = createDb({ url, poolMax: 2 });
  });
  afterAll(() => db?.close());

  const first = { ...orderMigrations, migrations: orderMigrations.migrations.filter((m) => m.name < '0002') };
  const q = <T extends object>(sql: string, bind: unknown[] = []) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT });

  /** A legacy order with one log row per status it went through (the order's status is the last one). */
  async function legacy(
    path: string[],
    amounts: { paid: number; refunded: number },
    stamps: { shipped?: boolean; completed?: boolean } = {},
  ) {
    const id = newId();
    await db.query(
      `INSERT INTO "order".orders (id, order_no, user_id, status, currency, items_amount, discount_amount, shipping_amount, payable_amount,
                                   paid_amount, refunded_amount, address, expires_at, shipped_at, completed_at)
       VALUES ($1, $2, $3, $4, 'CNY', $5, 0, 0, $5, $5, $6, '{}', now(), $7, $8)`,
      {
        bind: [
          id,
          `no-${id}`,
          newId(),
          path.at(-1),
          amounts.paid,
          amounts.refunded,
          stamps.shipped ? new Date() : null,
          stamps.completed ? new Date() : null,
        ],
      },
    );
    for (let i = 0; i < path.length; i++) {
      await db.query(
        `INSERT INTO "order".order_log (id, order_id, from_status, to_status, actor, reason, at) VALUES ($1, $2, $3, $4, 'test', $5, now() + make_interval(secs => $6))`,
        { bind: [newId(), id, i ? path[i - 1] : null, path[i], `step ${i}`, i] },
      );
    }
    return id;
  }

  const order = async (id: string) =>
    (await q<{ status: string; refund_status?: string }>(`SELECT * FROM "order".orders WHERE id = $1`, [id]))[0];
  const log = async (id: string) =>
    (
      await q<{ from_status: string | null; to_status: string; refund_status?: string | null }>(
        `SELECT * FROM "order".order_log WHERE order_id = $1 ORDER BY at, id`,
        [id],
      )
    ).map((l) => ('refund_status' in l ? [l.from_status, l.to_status, l.refund_status] : [l.from_status, l.to_status]));

  it('0002 moves refunds beside the fulfilment status, and back', async () => {
    await migrateUp(db, url, [first]);
    const paidPartly = await legacy(['pending_payment', 'paid', 'partially_refunded'], { paid: 300, refunded: 100 });
    const shippedFully = await legacy(
      ['pending_payment', 'paid', 'shipped', 'partially_refunded', 'refunded'],
      { paid: 300, refunded: 300 },
      { shipped: true },
    );
    const completedFully = await legacy(
      ['pending_payment', 'paid', 'shipped', 'completed', 'refunded'],
      { paid: 300, refunded: 300 },
      { shipped: true, completed: true },
    );
    const shipped = await legacy(['pending_payment', 'paid', 'shipped'], { paid: 300, refunded: 0 }, { shipped: true });
    const before = await Promise.all(
      [paidPartly, shippedFully, completedFully, shipped].map(async (id) => [(await order(id)).status, await log(id)]),
    );

    expect(await migrateUp(db, url, [orderMigrations])).toEqual(['order/0002-refund-status']);
    expect(await order(paidPartly)).toMatchObject({ status: 'paid', refund_status: 'partial' });
    expect(await log(paidPartly)).toEqual([
      [null, 'pending_payment', null],
      ['pending_payment', 'paid', null],
      ['paid', 'paid', 'partial'],
    ]);
    expect(await order(shippedFully)).toMatchObject({ status: 'shipped', refund_status: 'full' });
    expect((await log(shippedFully)).slice(3)).toEqual([
      ['shipped', 'shipped', 'partial'],
      ['shipped', 'shipped', 'full'],
    ]);
    expect(await order(completedFully)).toMatchObject({ status: 'completed', refund_status: 'full' });
    expect(await order(shipped)).toMatchObject({ status: 'shipped', refund_status: 'none' });
    // The new constraints hold: no legacy status, and the refund status is what the amounts say.
    await expect(
      db.query(`UPDATE "order".orders SET status = 'refunded' WHERE id = $1`, { bind: [shipped] }),
    ).rejects.toThrow(/orders_status_check/);
    await expect(
      db.query(`UPDATE "order".orders SET refund_status = 'full' WHERE id = $1`, { bind: [paidPartly] }),
    ).rejects.toThrow(/orders_refund_status_check/);

    expect(await migrateDown(db, url, [orderMigrations], { steps: 1 })).toEqual(['order/0002-refund-status']);
    const after = await Promise.all(
      [paidPartly, shippedFully, completedFully, shipped].map(async (id) => [(await order(id)).status, await log(id)]),
    );
    expect(after).toEqual(before);
    expect(await migrateUp(db, url, [orderMigrations])).toEqual(['order/0002-refund-status']);
    expect(await order(shippedFully)).toMatchObject({ status: 'shipped', refund_status: 'full' });
  });
});
