import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import type { Notification, NotificationNews } from '@zjmall/contracts';
import { createShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { adminClient, buyer, publishedSku, spawnBff, startTestBff, type BffProcess, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad07';

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const types = (items: Notification[]) => items.map((n) => n.type);

/**
 * The customer inbox: events of an order's journey become entries (durable JetStream consumers on
 * the process running the jobs), read through notification.* on another process, pushed live to a
 * subscriber there.
 */
describe('notification inbox', () => {
  let bff: TestBff;
  let second: BffProcess;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'notifyinbox' });
    second = await spawnBff({ ...bff.env.childEnv, RUN_JOBS: 'false' });
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await bff?.close();
  });

  const sku = (price: number, stock = 5) =>
    publishedSku(bff, {
      name: '降噪耳机',
      code: `HP-${newId()}`,
      spec: { color: 'black' },
      price,
      stock,
      actor: ADMIN,
    });

  it('an order journey gives created, paid, shipped and completed in order, live on a second process', async () => {
    const skuId = await sku(59_900);
    const { client, addressId, token } = await buyer(bff);
    // The watcher is on the process without jobs: it learns of entries only through NATS.
    const here = createShopClient(second.url, { token });
    const live: NotificationNews[] = [];
    let failed: unknown = null;
    let started: () => void = () => {};
    const connected = new Promise<void>((ok) => (started = ok));
    const sub = here.notification.onNew.subscribe(
      { locale: 'en' },
      { onStarted: () => started(), onData: (n) => live.push(n), onError: (e) => (failed = e) },
    );
    try {
      await connected;
      await client.cart.addItem.mutate({ skuId, quantity: 1 });
      const order = await client.order.checkout.mutate({ addressId, idempotencyKey: `co-${newId()}` });
      const payment = await client.payment.create.mutate({
        orderId: order.id,
        channel: 'sandbox_alipay',
        idempotencyKey: `pay-${newId()}`,
      });
      expect((await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' })).status).toBe(200);
      const admin = await adminClient(bff);
      await eventually(
        'paid',
        () => admin.order.admin.get.query({ id: order.id }),
        (o) => o.status === 'paid',
      );
      await admin.order.admin.ship.mutate({ id: order.id, carrier: 'SF', trackingNo: 'SF1234567890' });
      await admin.order.admin.complete.mutate({ id: order.id });

      const journey = ['order.created', 'order.paid', 'order.shipped', 'order.completed'];
      const page = await eventually(
        'inbox',
        () => here.notification.list.query({ locale: 'en' }),
        (p) => p.items.length >= 4,
      );
      // Newest first.
      expect(types(page.items)).toEqual([...journey].reverse());
      expect(page.items.every((n) => n.data.orderId === order.id && n.data.orderNo === order.orderNo)).toBe(true);
      const shipped = page.items[1];
      expect(shipped.title).toBe('Order shipped');
      expect(shipped.body).toContain('SF1234567890');
      expect(page.items.find((n) => n.type === 'order.paid')!.body).toContain(order.orderNo);
      expect(await here.notification.unreadCount.query()).toEqual({ count: 4 });

      // The same entries in Chinese (the default STORE_LOCALE) with the store's currency.
      const zh = await here.notification.list.query();
      expect(zh.items.find((n) => n.type === 'order.paid')!.title).toBe('支付成功');
      expect(zh.items.find((n) => n.type === 'order.paid')!.body).toContain('599.00');

      await eventually(
        'live',
        async () => live.length,
        (n) => n >= 5,
      );
      expect(failed).toBeNull();
      // The count when the stream opened, then each entry with the count after it.
      expect(live[0]).toEqual({ unreadCount: 0, item: null });
      expect(live.slice(1).map((m) => m.item?.type)).toEqual(journey);
      expect(live.slice(1).map((m) => m.unreadCount)).toEqual([1, 2, 3, 4]);
      expect(live[3].item!.title).toBe('Order shipped');

      expect(await here.notification.markRead.mutate({ ids: [page.items[0].id] })).toEqual({ marked: 1 });
      expect(await here.notification.unreadCount.query()).toEqual({ count: 3 });
      const unread = await here.notification.list.query({ unreadOnly: true });
      expect(unread.items.map((n) => n.id)).not.toContain(page.items[0].id);
      expect(await here.notification.markRead.mutate({ all: true })).toEqual({ marked: 3 });
      expect(await here.notification.unreadCount.query()).toEqual({ count: 0 });
    } finally {
      sub.unsubscribe();
    }
  }, 90_000);

  it('an event seen twice makes one entry', async () => {
    const skuId = await sku(1_000);
    const { client, addressId } = await buyer(bff);
    await client.cart.addItem.mutate({ skuId, quantity: 1 });
    const order = await client.order.checkout.mutate({ addressId, idempotencyKey: `co-${newId()}` });
    await eventually(
      'created',
      () => client.notification.list.query(),
      (p) => p.items.length === 1,
    );
    const [row] = await bff.env.platform.db.query<{
      id: string;
      type: string;
      aggregate_id: string;
      version: number;
      data: unknown;
      occurred_at: Date;
    }>(
      `SELECT id, type, aggregate_id, version, data, occurred_at FROM platform.outbox WHERE type = 'order.created' AND aggregate_id = $1`,
      { bind: [order.id], type: QueryTypes.SELECT },
    );
    const event = {
      id: row.id,
      type: row.type,
      aggregateId: row.aggregate_id,
      version: row.version,
      occurredAt: row.occurred_at.toISOString(),
      data: row.data,
    };
    // Published again (the transport or the consumer's handled ids drop it) …
    await bff.env.platform.bus.publish(event);
    // … and handed to the inbox's reaction again as an operator's replay would (its handled id forgotten).
    const [inbox] = bff.services.notification.durableHandlers().filter((h) => h.name === 'notification-inbox');
    await bff.env.platform.db.transaction((tx) => inbox.handle(event, tx));
    // A later event of the same customer arrives after both: by then a duplicate would be there too.
    await client.order.cancel.mutate({ id: order.id });
    const page = await eventually(
      'cancelled',
      () => client.notification.list.query(),
      (p) => p.items.length >= 2,
    );
    expect(types(page.items)).toEqual(['order.cancelled', 'order.created']);
    expect(page.items[0].body).toContain(order.orderNo);
  }, 60_000);

  it('a price drop from a price job tells each customer holding the SKU once; a second drop that day is not told', async () => {
    const cheap = await sku(20_000);
    const other = await sku(30_000);
    const a = await buyer(bff);
    const b = await buyer(bff);
    const c = await buyer(bff); // holds nothing that drops
    await a.client.cart.addItem.mutate({ skuId: cheap, quantity: 1 });
    await a.client.cart.addItem.mutate({ skuId: other, quantity: 1 });
    await b.client.cart.addItem.mutate({ skuId: cheap, quantity: 2 });
    const admin = await adminClient(bff);
    const job = async (percent: number) => {
      const { jobId } = await admin.pricing.admin.recalculate.mutate({
        rules: [{ adjust: { kind: 'percent', value: percent } }],
        scope: { skuIds: [cheap, other] },
      });
      await eventually(
        'price job',
        () => admin.pricing.admin.job.query({ jobId }),
        (j) => j.status === 'completed' || j.status === 'failed',
      );
    };
    await job(-10);
    const pa = await eventually(
      'a told',
      () => a.client.notification.list.query(),
      (p) => p.items.length >= 1,
    );
    const pb = await eventually(
      'b told',
      () => b.client.notification.list.query(),
      (p) => p.items.length >= 1,
    );
    expect(types(pa.items)).toEqual(['catalog.price_dropped']);
    expect(types(pb.items)).toEqual(['catalog.price_dropped']);
    // a's two SKUs in one entry; b's one.
    expect(new Set(pa.items[0].data.skuIds as string[])).toEqual(new Set([cheap, other]));
    expect(pb.items[0].data.skuIds).toEqual([cheap]);
    expect(pb.items[0].body).toContain('180.00');
    // A second drop the same day tells nobody again; a marker event afterwards proves it was handled.
    await job(-10);
    await b.client.order.checkout.mutate({ addressId: b.addressId, idempotencyKey: `co-${newId()}` });
    const later = await eventually(
      'b order',
      () => b.client.notification.list.query(),
      (p) => p.items.length >= 2,
    );
    expect(types(later.items)).toEqual(['order.created', 'catalog.price_dropped']);
    expect((await a.client.notification.list.query()).items).toHaveLength(1);
    expect((await c.client.notification.list.query()).items).toEqual([]);
  }, 90_000);

  it('refuses a bad cursor naming the field, and a visitor', async () => {
    const { client } = await buyer(bff);
    await expect(client.notification.list.query({ cursor: 'nope' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', zodError: { fieldErrors: { cursor: expect.any(Array) } } },
    });
    await expect(client.notification.markRead.mutate({} as { all: true })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
    });
    await expect(createShopClient(bff.url).notification.unreadCount.query()).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });
});
