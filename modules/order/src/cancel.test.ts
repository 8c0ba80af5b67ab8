import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type OrderCancelledV1 } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { createOrderHarness, failure, type OrderHarness } from './testing/harness';

let h: OrderHarness;
beforeAll(async () => {
  h = await createOrderHarness('ordercancel', { env: { ORDER_PAYMENT_TTL_SECONDS: '3600' } });
});
afterAll(() => h?.close());

async function placed(qty = 2, stock = 10) {
  const u = await h.user();
  const sku = await h.sku(500, stock);
  await h.cart.add(u.id, sku, qty, { hold: true });
  const order = await u.api.checkout({ addressId: u.addressId, idempotencyKey: h.key() });
  return { u, sku, order };
}

describe('order.cancel', () => {
  it('releases the stock once; a second cancel is ILLEGAL_TRANSITION; the log and the event record it', async () => {
    const { u, sku, order } = await placed(3);
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 3 });
    const cancelled = await u.api.cancel({ id: order.id, reason: 'changed my mind' });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelledAt).not.toBeNull();
    expect(cancelled.log.at(-1)).toMatchObject({
      from: 'pending_payment',
      to: 'cancelled',
      actor: u.id,
      reason: 'changed my mind',
    });
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 0 });
    const again = await failure(h, u.api.cancel({ id: order.id }));
    expect([again.code, again.data.appCode]).toEqual(['CONFLICT', 'ILLEGAL_TRANSITION']);
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 0 });
    const evs = await h.events<OrderCancelledV1>(EVENTS.order.cancelled, order.id);
    expect(evs).toHaveLength(1);
    expect(evs[0].data).toMatchObject({ status: 'cancelled', actor: u.id, reason: 'changed my mind' });
  });

  it('concurrent cancels: one wins, the others are ILLEGAL_TRANSITION, stock released once', async () => {
    const { u, sku, order } = await placed(2);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => u.api.cancel({ id: order.id })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 0 });
    const releases = await h.q(
      `SELECT 1 FROM inventory.ledger WHERE sku_id = $1 AND type = 'RELEASE' AND ref_id = $2`,
      [sku, order.id],
    );
    expect(releases).toHaveLength(1);
  });
});

describe('timeout canceller', () => {
  it('cancels unpaid orders after ORDER_PAYMENT_TTL_SECONDS (database clock) and releases their stock; safe with several runners', async () => {
    const a = await placed(2);
    const b = await placed(1);
    // The deadline is the TTL after creation (database clock); an hour, so a slow machine cannot reach it here.
    for (const x of [a, b]) expect(Date.parse(x.order.expiresAt) - Date.parse(x.order.createdAt)).toBe(3_600_000);
    expect(await h.order.cancelExpired()).toEqual({ cancelled: 0 }); // not yet
    // Time passes: both deadlines are now behind the database clock.
    await h.expire(a.order.id);
    await h.expire(b.order.id);
    const runs = await Promise.all([h.order.cancelExpired(), h.order.cancelExpired(), h.order.cancelExpired()]);
    expect(runs.reduce((n, r) => n + r.cancelled, 0)).toBe(2);
    for (const x of [a, b]) {
      const o = await x.u.api.get({ id: x.order.id });
      expect(o.status).toBe('cancelled');
      expect(o.log.at(-1)).toMatchObject({ to: 'cancelled', actor: 'system', reason: 'payment timeout' });
      expect(await h.stock(x.sku)).toEqual({ onHand: 10, reserved: 0 });
      expect(await h.events(EVENTS.order.cancelled, x.order.id)).toHaveLength(1);
    }
  });
});

describe('order.onStatus', () => {
  it('skips an event that would move the order back (one the relay published after the status was read)', async () => {
    const { u, order } = await placed(1);
    await u.api.cancel({ id: order.id });
    const ac = new AbortController();
    const updates = h.order.onStatus(u.id, order.id, ac.signal);
    expect((await updates.next()).value).toMatchObject({ status: 'cancelled' });
    const envelope = (status: 'pending_payment' | 'cancelled', refundedAmount: number) => ({
      id: newId(),
      type: status === 'pending_payment' ? EVENTS.order.created : EVENTS.order.cancelled,
      occurredAt: new Date().toISOString(),
      aggregateId: order.id,
      version: 1,
      data: {
        orderId: order.id,
        orderNo: order.orderNo,
        userId: u.id,
        status,
        refundStatus: 'none',
        refundedAmount,
        at: new Date().toISOString(),
      },
    });
    // A late `order.created` (pending_payment) is stale; the next event after it is what comes out.
    await h.platform.bus.publish(envelope('pending_payment', 0));
    await h.platform.bus.publish(envelope('cancelled', 1));
    const next = (await updates.next()).value;
    ac.abort();
    await updates.return(undefined);
    expect(next).toMatchObject({ status: 'cancelled', refundedAmount: 1 });
  });
});

describe('order.admin', () => {
  it('ship needs a paid order; customers cannot call admin procedures', async () => {
    const admin = await h.admin();
    const { u, order } = await placed(1);
    const e = await failure(h, admin.api.admin.ship({ id: order.id, carrier: 'SF', trackingNo: 'SF1' }));
    expect(e.data.appCode).toBe('ILLEGAL_TRANSITION');
    const f = await failure(h, u.api.admin.list());
    expect(f.data.appCode).toBe('FORBIDDEN');
    const page = await admin.api.admin.list({ userId: u.id });
    expect(page.items.map((o) => [o.id, o.userId])).toEqual([[order.id, u.id]]);
  });

  it('finds an order by its number (exactly); a malformed number is BAD_REQUEST', async () => {
    const admin = await h.admin();
    const { order } = await placed(1);
    await placed(1);
    expect((await admin.api.admin.list({ orderNo: order.orderNo })).items.map((o) => o.id)).toEqual([order.id]);
    expect((await admin.api.admin.list({ orderNo: `${order.orderNo}9` })).items).toEqual([]);
    const bad = await failure(h, admin.api.admin.list({ orderNo: "1' OR '1'='1" }));
    expect(bad.code).toBe('BAD_REQUEST');
  });
});

describe('order.admin.cancel', () => {
  it('cancels a customer’s unpaid order with the admin as actor and the reason logged; stock released once', async () => {
    const admin = await h.admin();
    const { u, sku, order } = await placed(2);
    const cancelled = await admin.api.admin.cancel({ id: order.id, reason: '  客户电话要求取消  ' });
    expect(cancelled).toMatchObject({ id: order.id, userId: u.id, status: 'cancelled' });
    expect(cancelled.log.at(-1)).toMatchObject({
      from: 'pending_payment',
      to: 'cancelled',
      actor: admin.id,
      reason: '客户电话要求取消',
    });
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 0 });
    const evs = await h.events<OrderCancelledV1>(EVENTS.order.cancelled, order.id);
    expect(evs.map((e) => e.data)).toEqual([
      expect.objectContaining({ status: 'cancelled', actor: admin.id, reason: '客户电话要求取消' }),
    ]);
    const again = await failure(h, admin.api.admin.cancel({ id: order.id, reason: 'again' }));
    expect([again.code, again.data.appCode]).toEqual(['CONFLICT', 'ILLEGAL_TRANSITION']);
    expect((await u.api.get({ id: order.id })).status).toBe('cancelled');
  });

  it('refuses a paid order (ILLEGAL_TRANSITION, nothing changes), an unknown order, a missing reason and a customer', async () => {
    const admin = await h.admin();
    const { u, sku, order } = await placed(1);
    await h.db.transaction(async (tx) => {
      await h.order.payments.lockForPayment(tx, order.id);
      await h.order.payments.markPaid(tx, order.id, {
        paymentId: newId(),
        amount: order.payableAmount,
        actor: 'system',
      });
    });
    const paid = await failure(h, admin.api.admin.cancel({ id: order.id, reason: 'too late' }));
    expect([paid.code, paid.data.appCode]).toEqual(['CONFLICT', 'ILLEGAL_TRANSITION']);
    expect(paid.data.details).toMatchObject({ orderId: order.id, from: 'paid', to: 'cancelled' });
    expect((await admin.api.admin.get({ id: order.id })).status).toBe('paid');
    expect(await h.stock(sku)).toEqual({ onHand: 9, reserved: 0 });
    expect(await h.events(EVENTS.order.cancelled, order.id)).toEqual([]);

    const unknown = await failure(h, admin.api.admin.cancel({ id: newId(), reason: 'x' }));
    expect([unknown.code, unknown.data.appCode]).toEqual(['NOT_FOUND', 'ORDER_NOT_FOUND']);
    const noReason = await failure(h, admin.api.admin.cancel({ id: order.id, reason: '   ' }));
    expect(noReason.code).toBe('BAD_REQUEST');
    expect(noReason.data.zodError?.fieldErrors.reason).toBeDefined();
    const customer = await failure(h, u.api.admin.cancel({ id: order.id, reason: 'mine' }));
    expect([customer.code, customer.data.appCode]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });
});
