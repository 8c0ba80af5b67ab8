import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@zjmall/client';
import type { OrderStatusChange } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { spawnBff, adminClient, buyer, publishedSku, startTestBff, type BffProcess, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad02';

/**
 * order.onStatus across processes: a customer watches the order on a BFF that runs no jobs while
 * it is paid, shipped and completed through another (the pay page, the provider's callback and
 * the admin calls all land there, and its relay publishes the events): the watcher can only learn
 * of them over NATS.
 */
describe('order.onStatus across two BFF processes', () => {
  let bff: TestBff;
  let second: BffProcess;
  let skuId: string;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'orderstatus' });
    second = await spawnBff({ ...bff.env.childEnv, RUN_JOBS: 'false' });
    skuId = await publishedSku(bff, {
      name: '机械键盘',
      code: `KB-${newId()}`,
      spec: { switch: 'red' },
      price: 39_900,
      stock: 3,
      actor: ADMIN,
    });
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await bff?.close();
  });

  it('a watcher on one process sees paid, shipped and completed made through the other, in order', async () => {
    // The watcher's process runs no relay; everything else happens on the first.
    const { client: there, addressId, token } = await buyer(bff);
    const here = createShopClient(second.url, { token });
    await there.cart.addItem.mutate({ skuId, quantity: 1 });
    const order = await there.order.checkout.mutate({ addressId, idempotencyKey: `co-${newId()}` });

    const statuses: OrderStatusChange[] = [];
    let failed: unknown = null;
    const sub = here.order.onStatus.subscribe(
      { id: order.id },
      { onData: (s) => statuses.push(s), onError: (e) => (failed = e) },
    );
    const until = async (status: string) => {
      const deadline = Date.now() + 15_000;
      while (!statuses.some((s) => s.status === status)) {
        if (failed !== null) throw new Error(`subscription failed: ${String(failed)}`);
        if (Date.now() > deadline)
          throw new Error(`no ${status} within 15 s; seen ${statuses.map((s) => s.status).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until('pending_payment');
      const payment = await there.payment.create.mutate({
        orderId: order.id,
        channel: 'sandbox_wechat',
        idempotencyKey: `pay-${newId()}`,
      });
      const approved = await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' });
      expect(approved.status).toBe(200);
      await until('paid');

      const admin = await adminClient(bff);
      await admin.order.admin.ship.mutate({ id: order.id, carrier: 'SF', trackingNo: `SF${newId().slice(-10)}` });
      await until('shipped');
      await admin.order.admin.complete.mutate({ id: order.id });
      await until('completed');
    } finally {
      sub.unsubscribe();
    }
    // Each status once, in the order it happened (the first is the status when subscribing).
    expect(statuses.map((s) => s.status)).toEqual(['pending_payment', 'paid', 'shipped', 'completed']);
    expect(statuses.every((s) => s.id === order.id && s.orderNo === order.orderNo)).toBe(true);
  });
});
