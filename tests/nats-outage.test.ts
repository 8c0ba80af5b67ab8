import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs, type Jobs } from '@zjmall/api';
import { newId } from '@zjmall/platform';
import { startPrivateNatsServer, type PrivateNatsServer } from '@zjmall/platform/testing';
import { adminClient, buyer, startTestBff, type TestBff } from './support/bff';

/**
 * NATS is optional at run time (issue 16): a process whose jobs start while NATS is away keeps
 * trying to register its durable consumers, /ready says 200 with NATS degraded meanwhile, and once
 * NATS is back the reaction to an order cancelled during the outage (its pending payment closed)
 * still happens. Its own nats-server, stopped and restarted on the same port and store.
 */
describe('NATS away while jobs start and an order is cancelled', () => {
  let nats: PrivateNatsServer;
  let bff: TestBff;
  let jobs: Jobs | null = null;

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    bff = await startTestBff({ label: 'natsaway', jobs: false, env: { NATS_URL: nats.url } });
  }, 60_000);
  afterAll(async () => {
    await nats?.start().catch(() => {}); // so that the stream can be deleted
    await jobs?.stop();
    await bff?.close();
    await nats?.dispose();
  });

  const ready = async () => {
    const r = await fetch(`${bff.url}/ready`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('registers payment-close-on-order-cancelled once NATS is back and closes the payment of the order cancelled meanwhile', async () => {
    const admin = await adminClient(bff);
    const category = await admin.catalog.admin.createCategory.mutate({ name: `断线 ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `台灯 ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `LAMP-${newId().slice(-10)}`, spec: { color: 'white' }, price: 12_900, initialStock: 3 }],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    const { client: me, addressId } = await buyer(bff);
    const cart = await me.cart.addItem.mutate({ skuId: product.skus[0].id, quantity: 1 });
    const order = await me.order.checkout.mutate({
      addressId,
      expectedPayable: cart.payableAmount,
      idempotencyKey: `co-${newId()}`,
    });
    const payment = await me.payment.create.mutate({
      orderId: order.id,
      channel: 'sandbox_alipay',
      idempotencyKey: `pay-${newId()}`,
    });
    expect(payment.status).toBe('pending');
    expect(await ready()).toEqual({
      status: 200,
      body: { ok: true, checks: { database: true, redis: true, nats: true }, degraded: [], pendingConsumers: [] },
    });

    await nats.stop();
    // The process's jobs start now: the durable consumer cannot be registered yet.
    jobs = startJobs(bff.env.platform, bff.services);
    const deadline = Date.now() + 30_000;
    let away = await ready();
    while (!(away.body.pendingConsumers as string[]).includes('payment-close-on-order-cancelled')) {
      if (Date.now() > deadline) throw new Error(`/ready never listed the pending consumer: ${JSON.stringify(away)}`);
      await new Promise((r) => setTimeout(r, 50));
      away = await ready();
    }
    // PostgreSQL is up: the shop serves, NATS is listed as degraded.
    expect(away).toEqual({
      status: 200,
      body: {
        ok: true,
        checks: { database: true, redis: true, nats: false },
        degraded: ['nats'],
        // Every durable consumer the jobs start waits for NATS (notification's too); this test follows payment's.
        pendingConsumers: expect.arrayContaining(['payment-close-on-order-cancelled']),
      },
    });

    // The shop still answers; the cancellation's event waits in the outbox.
    await me.order.cancel.mutate({ id: order.id });
    expect(await me.order.get.query({ id: order.id })).toMatchObject({ status: 'cancelled' });
    expect(await me.payment.get.query({ id: payment.id })).toMatchObject({ status: 'pending' });

    await nats.start();
    const closedBy = Date.now() + 90_000;
    while ((await me.payment.get.query({ id: payment.id })).status !== 'closed') {
      if (Date.now() > closedBy) throw new Error('the payment of the cancelled order was never closed');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await ready()).toEqual({
      status: 200,
      body: { ok: true, checks: { database: true, redis: true, nats: true }, degraded: [], pendingConsumers: [] },
    });
  }, 180_000);
});
