import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartView } from '@zjmall/contracts';
import { startPrivateNatsServer, type PrivateNatsServer } from '@zjmall/platform/testing';
import { createHarness, type Harness } from './testing/harness';

// NATS away (issue 16): the live events of changes made meanwhile may never reach this process (the
// relay of another process can publish them before this one has reconnected). A cart.onChange
// stream stays open and, once the bus is back, pushes the cart as it is now. Its own nats-server,
// stopped and restarted on the same port and store; no relay runs here, so only the reconnection
// can wake the stream.
describe('cart.onChange across a NATS outage', () => {
  let nats: PrivateNatsServer;
  let h: Harness;
  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    h = await createHarness('cartwatchaway', { NATS_URL: nats.url });
  }, 60_000);
  afterAll(async () => {
    await nats?.start().catch(() => {});
    await h?.close();
    await nats?.dispose();
  });

  it('keeps the stream and pushes the cart and its prices as they are once NATS is back', async () => {
    const c = h.user();
    const [a, b] = await h.skus(2, { price: 1000 });
    await c.addItem({ skuId: a, quantity: 1 });
    const abort = new AbortController();
    const watch = h.cart.watch(c.owner, abort.signal);
    let deadline: NodeJS.Timeout | undefined;
    const next = async (): Promise<CartView> => {
      const r = await Promise.race([
        watch.next(),
        new Promise<never>((_, reject) => {
          deadline = setTimeout(() => reject(new Error('no push within 60 s')), 60_000);
        }),
      ]).finally(() => clearTimeout(deadline));
      if (r.done) throw new Error('watch ended');
      return r.value;
    };
    try {
      expect((await next()).items.map((i) => i.skuId)).toEqual([a]);
      let reconnected = 0;
      const off = h.platform.bus.onReconnect(() => reconnected++);
      await nats.stop();
      // Changed while away: a line added, a price lowered in the database.
      await c.addItem({ skuId: b, quantity: 2 });
      await h.db.query(`UPDATE catalog.skus SET price = 640 WHERE id = $1`, { bind: [a] });
      await nats.start();
      const pushed = await next();
      expect(reconnected).toBe(1);
      off();
      expect(pushed.items.map((i) => [i.skuId, i.quantity]).sort()).toEqual(
        [
          [a, 1],
          [b, 2],
        ].sort(),
      );
      expect(pushed.items.find((i) => i.skuId === a)).toMatchObject({ unitPrice: 640, priceChanged: true });
    } finally {
      abort.abort();
    }
  }, 120_000);
});
