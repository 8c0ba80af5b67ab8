import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, failure, type Harness } from './testing/harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cart holds (signed-in customers, short TTL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('cartholds', { CART_HOLD_TTL_SECONDS: '2' });
  });
  afterAll(() => h?.close());

  it('adding holds stock, quantity changes adjust the hold, removing and clearing release it', async () => {
    const c = h.user();
    const [a, b] = await h.skus(2, { stock: 10 });
    let cart = await c.addItem({ skuId: a, quantity: 3 });
    expect(await h.stock(a, cart.id)).toMatchObject({ onHand: 10, reserved: 3, held: 3 });
    // The cart's own hold counts as its stock.
    expect(cart.items[0]).toMatchObject({ availableStock: 10, available: true });
    const itemA = cart.items[0].id;
    cart = await c.updateQuantity({ itemId: itemA, quantity: 5 });
    expect(await h.stock(a, cart.id)).toMatchObject({ reserved: 5, held: 5 });
    cart = await c.updateQuantity({ itemId: itemA, quantity: 2 });
    expect(await h.stock(a, cart.id)).toMatchObject({ reserved: 2, held: 2 });
    cart = await c.addItem({ skuId: b, quantity: 1 });
    cart = await c.removeItem({ itemId: itemA });
    expect(await h.stock(a)).toMatchObject({ reserved: 0 });
    expect(await h.stock(b, cart.id)).toMatchObject({ held: 1 });
    const cartId = cart.id;
    await c.clear();
    expect(await h.stock(b, cartId)).toMatchObject({ reserved: 0, held: 0 });
  });

  it('holds count as reserved for everyone else; guests are checked, never held', async () => {
    const [a] = await h.skus(1, { stock: 10 });
    const alice = h.user();
    await alice.addItem({ skuId: a, quantity: 8 });
    expect(await failure(h, h.user().addItem({ skuId: a, quantity: 3 }))).toMatchObject({
      appCode: 'INSUFFICIENT_STOCK',
      details: { skuId: a, requested: 3, available: 2 },
    });
    expect(await failure(h, h.guest().addItem({ skuId: a, quantity: 3 }))).toMatchObject({
      appCode: 'INSUFFICIENT_STOCK',
      details: { available: 2 },
    });
    const guest = h.guest();
    await guest.addItem({ skuId: a, quantity: 2 });
    expect(await h.stock(a)).toMatchObject({ reserved: 8 });
  });

  it('any change extends every hold of the cart; the sweeper releases expired ones', async () => {
    const c = h.user();
    const [a, b] = await h.skus(2, { stock: 10 });
    const cart = await c.addItem({ skuId: a, quantity: 1 });
    await c.addItem({ skuId: b, quantity: 1 });
    const expiry = async () =>
      (
        await h.q<{ sku_id: string; expires_at: Date }>(
          `SELECT sku_id, expires_at FROM inventory.reservations WHERE owner_id = $1 AND status = 'active'`,
          [cart.id!],
        )
      ).map((r) => r.expires_at.getTime());
    const before = await expiry();
    await sleep(1200);
    await c.select({ itemIds: [cart.items[0].id], selected: false });
    const after = await expiry();
    expect(after).toHaveLength(2);
    for (const t of after) expect(t).toBeGreaterThan(Math.max(...before) + 900);
    await sleep(2300);
    expect((await h.inventory.releaseExpired()).released).toBeGreaterThanOrEqual(2);
    expect(await h.stock(a, cart.id)).toMatchObject({ reserved: 0, held: 0 });
    // The lines stay; their stock is now the free stock only.
    const now = await c.get();
    expect(now.items).toHaveLength(2);
    expect(now.items.every((i) => i.availableStock === 10)).toBe(true);
  });
});

describe('cart without holds (CART_HOLD_TTL_SECONDS=0)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('cartnohold', { CART_HOLD_TTL_SECONDS: '0' });
  });
  afterAll(() => h?.close());

  it('add-to-cart only checks availability', async () => {
    const [a] = await h.skus(1, { stock: 4 });
    const c = h.user();
    await c.addItem({ skuId: a, quantity: 4 });
    expect(await h.stock(a)).toMatchObject({ reserved: 0 });
    expect(await failure(h, c.addItem({ skuId: a, quantity: 1 }))).toMatchObject({
      appCode: 'INSUFFICIENT_STOCK',
      details: { requested: 5, available: 4 },
    });
  });
});
