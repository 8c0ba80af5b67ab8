import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderStatusChange } from '@zjmall/contracts';
import { startPrivateNatsServer, type PrivateNatsServer } from '@zjmall/platform/testing';
import { createOrderHarness, type OrderHarness } from './testing/harness';

// NATS away (issue 16): an order.onStatus stream stays open, and once the bus is back it pushes the
// status the order reached meanwhile, although the event announcing it may never reach this
// process. Its own nats-server, stopped and restarted on the same port and store; no relay runs
// here, so only the reconnection can bring the change.
describe('order.onStatus across a NATS outage', () => {
  let nats: PrivateNatsServer;
  let h: OrderHarness;
  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    h = await createOrderHarness('orderstatusaway', { env: { NATS_URL: nats.url } });
  }, 60_000);
  afterAll(async () => {
    await nats?.start().catch(() => {});
    await h?.close();
    await nats?.dispose();
  });

  it('pushes the status the order reached while NATS was away', async () => {
    const u = await h.user();
    const sku = await h.sku(500, 5);
    await h.cart.add(u.id, sku, 1, { hold: true });
    const order = await u.api.checkout({ addressId: u.addressId, idempotencyKey: h.key() });
    const ac = new AbortController();
    const updates = h.order.onStatus(u.id, order.id, ac.signal);
    let deadline: NodeJS.Timeout | undefined;
    const next = async (): Promise<OrderStatusChange> => {
      const r = await Promise.race([
        updates.next(),
        new Promise<never>((_, reject) => {
          deadline = setTimeout(() => reject(new Error('no status within 60 s')), 60_000);
        }),
      ]).finally(() => clearTimeout(deadline));
      if (r.done) throw new Error('stream ended');
      return r.value;
    };
    try {
      expect(await next()).toMatchObject({ id: order.id, status: 'pending_payment' });
      await nats.stop();
      await u.api.cancel({ id: order.id });
      await nats.start();
      expect(await next()).toMatchObject({ id: order.id, orderNo: order.orderNo, status: 'cancelled' });
    } finally {
      ac.abort();
      await updates.return(undefined);
    }
  }, 120_000);
});
