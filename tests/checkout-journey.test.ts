import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { createShopClient } from '@zjmall/client';
import { EVENTS, eventSubject, type EventEnvelope, type OrderStatusChange } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { adminClient, buyer, startTestBff, type TestBff } from './support/bff';

/**
 * The journey users judge the product by, through the shared client over real HTTP against a
 * BFF on real PostgreSQL, Redis and NATS: browse → add → checkout → pay (the sandbox's approve
 * button, over HTTP) → paid → stock deducted, while a JetStream subscriber outside the app sees
 * `<prefix>.order.paid` exactly once.
 */
describe('checkout journey over HTTP', () => {
  let bff: TestBff;
  let nc: NatsConnection;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'checkoutjourney' });
    nc = await connect({ servers: bff.env.config.NATS_URL! });
  });
  afterAll(async () => {
    await nc?.close();
    await bff?.close();
  });

  it('browse → add → checkout → pay → paid; stock deducted; order.paid published once', async () => {
    const { config } = bff.env;
    // An outside subscriber on the stream, from its first message.
    const paidEvents: EventEnvelope[] = [];
    const consumer = await jetstream(nc).consumers.get(config.NATS_STREAM, {
      filter_subjects: eventSubject(config.NATS_SUBJECT_PREFIX, EVENTS.order.paid),
    });
    const messages = await consumer.consume();
    void (async () => {
      for await (const m of messages) paidEvents.push(m.json<EventEnvelope>());
    })();

    // Admin puts a product on sale.
    const anon = createShopClient(bff.url);
    const admin = await adminClient(bff);
    const category = await admin.catalog.admin.createCategory.mutate({ name: `耳机 ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `无线蓝牙耳机 ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `BT-${newId().slice(-10)}`, spec: { color: 'white' }, price: 25_900, initialStock: 5 }],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    const skuId = product.skus[0].id;

    // A customer browses, signs up, adds to the cart and checks out.
    const found = await anon.catalog.products.query({ categoryId: category.id });
    expect(found.items.map((p) => p.id)).toContain(product.id);
    const detail = await anon.catalog.product.query({ id: product.id });
    expect(detail.skus[0].price).toBe(25_900);
    const { client: me, addressId } = await buyer(bff);
    const cart = await me.cart.addItem.mutate({ skuId, quantity: 2 });
    expect(cart.payableAmount).toBe(51_800);
    const order = await me.order.checkout.mutate({
      addressId,
      expectedPayable: cart.payableAmount,
      idempotencyKey: `co-${newId()}`,
    });
    expect(order).toMatchObject({ status: 'pending_payment', payableAmount: 51_800, currency: 'CNY' });
    expect((await me.cart.get.query()).items).toEqual([]);

    // Status changes arrive over SSE.
    const statuses: OrderStatusChange[] = [];
    const sub = me.order.onStatus.subscribe({ id: order.id }, { onData: (s) => statuses.push(s) });

    // Pay: the sandbox page, then its approve button (the provider's signed callback follows).
    const payment = await me.payment.create.mutate({
      orderId: order.id,
      channel: 'sandbox_alipay',
      idempotencyKey: `pay-${newId()}`,
    });
    expect(payment).toMatchObject({ status: 'pending', amount: 51_800 });
    expect(payment.payUrl).toMatch(new RegExp(`/sandbox/pay/${payment.id}$`));
    const page = await fetch(`${bff.url}/sandbox/pay/${payment.id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('CNY 518.00');
    const approved = await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ ok: true, outcome: 'succeeded' });

    expect(await me.order.get.query({ id: order.id })).toMatchObject({ status: 'paid', paidAmount: 51_800 });
    expect(await me.payment.get.query({ id: payment.id })).toMatchObject({ status: 'succeeded' });
    expect(await admin.inventory.admin.get.query({ skuId })).toMatchObject({ onHand: 3, reserved: 0, available: 3 });

    // A replayed approval changes nothing.
    expect(
      await (await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' })).json(),
    ).toMatchObject({ ok: true, outcome: 'duplicate' });

    const deadline = Date.now() + 15_000;
    while (
      Date.now() < deadline &&
      (!paidEvents.some((e) => e.aggregateId === order.id) || !statuses.some((s) => s.status === 'paid'))
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1500)); // room for a second (wrong) delivery
    messages.stop();
    sub.unsubscribe();
    const mine = paidEvents.filter((e) => e.aggregateId === order.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      type: EVENTS.order.paid,
      version: 1,
      data: { orderId: order.id, paymentId: payment.id, amount: 51_800, status: 'paid' },
    });
    expect(statuses.map((s) => s.status)).toEqual(['pending_payment', 'paid']);
    expect(await admin.inventory.admin.get.query({ skuId })).toMatchObject({ onHand: 3, reserved: 0 });
  });

  it('two checkouts of one cart with different keys at once place one order; the other orders nothing', async () => {
    const admin = await adminClient(bff);
    const category = await admin.catalog.admin.createCategory.mutate({ name: `并发 ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `双击结算 ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `DC-${newId().slice(-10)}`, spec: { v: '1' }, price: 1_000, initialStock: 50 }],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    const skuId = product.skus[0].id;
    for (let round = 0; round < 5; round++) {
      const { client: me, addressId } = await buyer(bff);
      await me.cart.addItem.mutate({ skuId, quantity: 2 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 3 }, () => me.order.checkout.mutate({ addressId, idempotencyKey: newId() })),
      );
      const placed = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.flatMap((o) =>
        o.status === 'rejected' ? [(o.reason as { data?: { appCode?: string } }).data?.appCode] : [],
      );
      // The first to take the cart buys its lines; the others find them gone (or the cart empty).
      expect(placed).toHaveLength(1);
      expect(refused.every((c) => c === 'CART_ITEM_NOT_FOUND' || c === 'CART_EMPTY')).toBe(true);
      expect((await me.order.list.query()).items).toHaveLength(1);
    }
    expect(await admin.inventory.admin.get.query({ skuId })).toMatchObject({ onHand: 50, reserved: 10 });
  });
});
