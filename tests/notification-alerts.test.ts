import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '@zjmall/contracts';
import { createShopClient, type ShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { signSandbox, SIGNATURE_HEADER } from '@zjmall/payment';
import { adminClient, buyer, publishedSku, startTestBff, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad08';

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every staff alert of `type` an admin sees (all pages). */
async function alerts(admin: ShopClient, type: string): Promise<Notification[]> {
  const out: Notification[] = [];
  let cursor: string | undefined;
  do {
    const page = await admin.notification.list.query({ cursor, limit: 100, locale: 'en' });
    out.push(...page.items.filter((n) => n.type === type));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/**
 * Staff alerts reach every admin's inbox (and no customer's): low stock and payment amount
 * mismatches from events, unpaid orders about to expire (in bulk) and dead letters from a sweeper.
 * Orders here are due 2 minutes after checkout, inside the 5-minute alert window at once.
 */
describe('staff alerts', () => {
  let bff: TestBff;
  let admin: ShopClient;
  let otherAdmin: ShopClient;
  beforeAll(async () => {
    bff = await startTestBff({
      label: 'notifyalerts',
      env: { ORDER_PAYMENT_TTL_SECONDS: '120', SWEEP_INTERVAL_SECONDS: '0.5' },
    });
    admin = await adminClient(bff);
    otherAdmin = await adminClient(bff);
  }, 120_000);
  afterAll(async () => {
    await bff?.close();
  });

  const sku = (stock: number) =>
    publishedSku(bff, { name: '台灯', code: `LT-${newId()}`, spec: { c: 'w' }, price: 8_800, stock, actor: ADMIN });

  it('low stock, orders about to expire and an amount mismatch reach every admin, not customers', async () => {
    const skuId = await sku(5);
    await admin.inventory.admin.setThreshold.mutate({ skuId, threshold: 2 });
    const a = await buyer(bff);
    const b = await buyer(bff);
    await a.client.cart.addItem.mutate({ skuId, quantity: 2 });
    const first = await a.client.order.checkout.mutate({ addressId: a.addressId, idempotencyKey: `co-${newId()}` });
    await b.client.cart.addItem.mutate({ skuId, quantity: 2 });
    const second = await b.client.order.checkout.mutate({ addressId: b.addressId, idempotencyKey: `co-${newId()}` });

    // Available 5 → 3 → 1: one low-stock alert, seen by both admins, each reading it for themself.
    const low = await eventually(
      'low stock',
      () => alerts(admin, 'inventory.low_stock'),
      (l) => l.length > 0,
    );
    expect(low).toHaveLength(1);
    expect(low[0]).toMatchObject({ staff: true, title: 'Low stock', data: { skuId, available: 1, threshold: 2 } });
    expect((await alerts(otherAdmin, 'inventory.low_stock')).map((n) => n.id)).toEqual([low[0].id]);

    // Both orders fall due within the window: announced once each, in bulk.
    const expiring = await eventually(
      'expiring',
      () => alerts(admin, 'order.expiring'),
      (l) => new Set(l.flatMap((n) => n.data.orderIds as string[])).size >= 2,
    );
    const ids = expiring.flatMap((n) => n.data.orderIds as string[]);
    expect(ids.sort()).toEqual([first.id, second.id].sort());
    expect(expiring.reduce((s, n) => s + (n.data.count as number), 0)).toBe(2);

    // A verified callback with the wrong amount: rejected, and staff are told once (sent twice).
    const payment = await a.client.payment.create.mutate({
      orderId: first.id,
      channel: 'sandbox_alipay',
      idempotencyKey: `pay-${newId()}`,
    });
    const raw = JSON.stringify({
      paymentId: payment.id,
      transactionId: `M-${payment.id}`,
      status: 'SUCCESS',
      amount: 1,
      currency: 'CNY',
      timestamp: Math.floor(Date.now() / 1000),
      nonce: 'n1',
    });
    const headers = {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signSandbox(bff.env.config.PAYMENT_CALLBACK_SECRET!, Math.floor(Date.now() / 1000), raw),
    };
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${bff.url}/payments/callback/sandbox_alipay`, { method: 'POST', headers, body: raw });
      expect(r.status).toBe(400);
    }
    const mismatch = await eventually(
      'mismatch',
      () => alerts(admin, 'payment.amount_mismatch'),
      (l) => l.length > 0,
    );
    expect(mismatch[0].data).toMatchObject({ paymentId: payment.id, orderId: first.id, expected: 17_600, reported: 1 });

    // Customers see their own entries only.
    const mine = await a.client.notification.list.query();
    expect(mine.items.every((n) => !n.staff)).toBe(true);
    expect(await alerts(admin, 'payment.amount_mismatch')).toHaveLength(1);

    // Reading is per admin.
    const before = (await otherAdmin.notification.unreadCount.query()).count;
    await admin.notification.markRead.mutate({ all: true });
    expect((await admin.notification.unreadCount.query()).count).toBe(0);
    expect((await otherAdmin.notification.unreadCount.query()).count).toBe(before);
    await expect(createShopClient(bff.url).notification.list.query()).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  }, 90_000);

  it('an event a consumer gave up on is announced once', async () => {
    // A dead letter as the platform's consumer wrapper records it.
    const eventId = newId();
    await bff.env.platform.db.query(
      `INSERT INTO platform.dead_letters (consumer, event_id, event, error) VALUES ($1, $2, $3::jsonb, $4)`,
      {
        bind: [
          'some-consumer',
          eventId,
          JSON.stringify({ id: eventId, type: 'order.paid', data: {} }),
          'ZodError: orderId is required',
        ],
      },
    );
    const dead = await eventually(
      'dead letter',
      () => alerts(admin, 'platform.dead_letter'),
      (l) => l.some((n) => n.data.eventId === eventId),
    );
    expect(dead.filter((n) => n.data.eventId === eventId)).toHaveLength(1);
    expect(dead[0]).toMatchObject({ staff: true, data: { consumer: 'some-consumer', eventType: 'order.paid' } });
    // Later sweeps do not announce it again.
    await bff.services.notification.sweepAlerts();
    expect((await alerts(admin, 'platform.dead_letter')).filter((n) => n.data.eventId === eventId)).toHaveLength(1);
  }, 60_000);
});
