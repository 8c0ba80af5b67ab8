import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type CartView } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { createHarness, type Harness } from './testing/harness';

describe('cart: what order uses, cleanup, cart.changed and watch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('cartlife');
  });
  afterAll(() => h?.close());

  it('checkoutView gives the selected lines or the asked ones; removeOrderedLines removes them after commit', async () => {
    const c = h.user();
    const [a, b] = await h.skus(2);
    await c.addItem({ skuId: a, quantity: 2 });
    const cart = await c.addItem({ skuId: b, quantity: 1 });
    const lineB = cart.items.find((i) => i.skuId === b)!;
    await c.select({ itemIds: [lineB.id], selected: false });
    const view = await h.cart.checkoutView(c.id);
    expect(view).toMatchObject({ cartId: cart.id, currency: 'CNY' });
    expect(view.lines).toEqual([
      { itemId: expect.any(String), skuId: a, quantity: 2, addedPrice: 1000, selected: true },
    ]);
    expect((await h.cart.checkoutView(c.id, [lineB.id])).lines.map((l) => l.skuId)).toEqual([b]);
    await expect(h.cart.checkoutView(c.id, [newId()])).rejects.toMatchObject({ appCode: 'CART_ITEM_NOT_FOUND' });
    await expect(h.cart.checkoutView(h.user().id)).rejects.toMatchObject({ appCode: 'CART_EMPTY' });

    await c.get(); // cached
    await h.db.transaction((tx) => h.cart.removeOrderedLines(tx, cart.id!, [view.lines[0].itemId]));
    expect((await c.get()).items.map((i) => i.skuId)).toEqual([b]);
  });

  it('removeOrderedLines refuses lines that left the cart since the checkout read them, and removes none', async () => {
    const c = h.user();
    const [a, b] = await h.skus(2);
    await c.addItem({ skuId: a, quantity: 1 });
    const cart = await c.addItem({ skuId: b, quantity: 1 });
    const view = await h.cart.checkoutView(c.id);
    const ids = view.lines.map((l) => l.itemId);
    const lineA = view.lines.find((l) => l.skuId === a)!.itemId;
    // A parallel checkout with another key bought line a meanwhile.
    await h.db.transaction((tx) => h.cart.removeOrderedLines(tx, cart.id!, [lineA]));
    await expect(h.db.transaction((tx) => h.cart.removeOrderedLines(tx, cart.id!, ids))).rejects.toMatchObject({
      appCode: 'CART_ITEM_NOT_FOUND',
      details: { itemIds: [lineA] },
    });
    // The refused transaction rolled back: line b is still in the cart.
    expect((await c.get()).items.map((i) => i.skuId)).toEqual([b]);
  });

  it('cleanup removes carts untouched for 30 days and lines off sale for 30 days', async () => {
    const old = h.guest();
    const [a] = await h.skus(1);
    const [b] = await h.skus(1);
    const oldCart = await old.addItem({ skuId: a, quantity: 1 });
    await h.q(`UPDATE cart.carts SET updated_at = now() - interval '31 days' WHERE id = $1`, [oldCart.id]);
    const c = h.user();
    await c.addItem({ skuId: a, quantity: 1 });
    await c.addItem({ skuId: b, quantity: 1 });
    await h.catalog.unpublish(await h.productOf(a));
    const first = await h.cart.cleanup();
    expect(first.removedCarts).toBeGreaterThanOrEqual(1);
    expect(first.flagged).toBeGreaterThanOrEqual(1);
    expect(await h.carts(old.id)).toEqual([]);
    expect((await c.get()).items.find((i) => i.skuId === a)?.available).toBe(false);
    await h.q(
      `UPDATE cart.cart_items SET unavailable_since = now() - interval '31 days' WHERE unavailable_since IS NOT NULL`,
    );
    expect((await h.cart.cleanup()).removedLines).toBeGreaterThanOrEqual(1);
    expect((await c.get()).items.map((i) => i.skuId)).toEqual([b]);
  });

  it('every change records cart.changed; a watch yields the cart now and after each change, across clear', async () => {
    const c = h.guest();
    const [a] = await h.skus(1);
    const abort = new AbortController();
    const seen: CartView[] = [];
    const it = h.cart.watch(c.owner, abort.signal);
    const next = async () => {
      const r = await it.next();
      if (r.done) throw new Error('watch ended');
      seen.push(r.value);
      return r.value;
    };
    expect((await next()).items).toEqual([]);
    h.platform.relay.start();
    try {
      const added = await c.addItem({ skuId: a, quantity: 2 });
      expect(await next()).toEqual(added);
      await c.clear();
      expect(await next()).toMatchObject({ id: null, items: [] });
      const again = await c.addItem({ skuId: a, quantity: 1 });
      const last = await next();
      expect(last.id).toBe(again.id);
      // A price change of a SKU in the cart is pushed too.
      await h.catalog.setSkuPrice({ skuId: a, price: 777 });
      expect((await next()).items[0]).toMatchObject({ unitPrice: 777, addedPrice: 1000, priceChanged: true });
    } finally {
      abort.abort();
      await h.platform.relay.stop();
    }
    expect((await it.next()).done).toBe(true);
    const events = await h.q<{ data: { owner: { id: string }; reason: string } }>(
      `SELECT data FROM platform.outbox WHERE type = $1 ORDER BY seq`,
      [EVENTS.cart.changed],
    );
    expect(events.filter((e) => e.data.owner.id === c.id).map((e) => e.data.reason)).toEqual(['add', 'clear', 'add']);
  });
});
