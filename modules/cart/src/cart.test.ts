import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@zjmall/platform';
import { createHarness, failure, type Harness } from './testing/harness';

describe('cart procedures', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('cart', { CART_MAX_LINES: '3', CART_MAX_QUANTITY: '20' });
  });
  afterAll(() => h?.close());

  it('starts empty, adds lines (same SKU adds to its line) and computes totals on current prices', async () => {
    const c = h.guest();
    expect(await c.get()).toMatchObject({
      id: null,
      currency: 'CNY',
      items: [],
      totalItems: 0,
      totalQuantity: 0,
      payableAmount: 0,
    });
    const [a, b] = await h.skus(2, { price: 1999 });
    await c.addItem({ skuId: a, quantity: 2 });
    await c.addItem({ skuId: b, quantity: 1 });
    const cart = await c.addItem({ skuId: a, quantity: 1 });
    expect(cart.id).toBeTruthy();
    expect(cart.items).toHaveLength(2);
    const lineA = cart.items.find((i) => i.skuId === a)!;
    expect(lineA).toMatchObject({
      quantity: 3,
      unitPrice: 1999,
      addedPrice: 1999,
      priceChanged: false,
      subtotal: 5997,
      selected: true,
      available: true,
      stockStatus: 'low_stock',
      availableStock: 10,
      spec: { size: 'S0' },
      image: 'https://img.example/p.png',
    });
    expect(lineA.productName).toMatch(/^Product/);
    expect(cart).toMatchObject({
      totalItems: 2,
      totalQuantity: 4,
      totalAmount: 5997 + 2099,
      selectedCount: 4,
      selectedAmount: 8096,
      discountAmount: 0,
      payableAmount: 8096,
    });
    expect(await c.count()).toEqual({ totalQuantity: 4 });
    expect(await c.get()).toEqual(cart);
  });

  it('updates quantities (0 removes), removes lines, selects and deselects', async () => {
    const c = h.guest();
    const [a, b, d] = await h.skus(3);
    await c.addItem({ skuId: a, quantity: 1 });
    await c.addItem({ skuId: b, quantity: 1 });
    let cart = await c.addItem({ skuId: d, quantity: 1 });
    const id = (sku: string) => cart.items.find((i) => i.skuId === sku)!.id;
    cart = await c.updateQuantity({ itemId: id(a), quantity: 5 });
    expect(cart.items.find((i) => i.skuId === a)!.quantity).toBe(5);
    cart = await c.select({ itemIds: [id(a)], selected: false });
    expect(cart).toMatchObject({ totalQuantity: 7, selectedCount: 2, selectedAmount: 1100 + 1200 });
    cart = await c.selectAll({ selected: false });
    expect(cart).toMatchObject({ selectedCount: 0, selectedAmount: 0, payableAmount: 0 });
    cart = await c.selectAll({ selected: true });
    expect(cart.selectedCount).toBe(7);
    cart = await c.updateQuantity({ itemId: id(b), quantity: 0 });
    expect(cart.items.map((i) => i.skuId).sort()).toEqual([a, d].sort());
    cart = await c.removeItem({ itemId: id(d) });
    expect(cart.items.map((i) => i.skuId)).toEqual([a]);
    cart = await c.removeItems({ itemIds: [id(a)] });
    expect(cart).toMatchObject({ totalItems: 0, totalQuantity: 0 });
  });

  it('enforces limits: quantity, lines, stock, unknown and unpublished SKUs, input bounds', async () => {
    const c = h.guest();
    const [a, b, d, e] = await h.skus(4, { stock: 50 });
    await c.addItem({ skuId: a, quantity: 15 });
    expect(await failure(h, c.addItem({ skuId: a, quantity: 6 }))).toMatchObject({
      code: 'BAD_REQUEST',
      appCode: 'QUANTITY_LIMIT',
      details: { requested: 21, max: 20 },
    });
    await c.addItem({ skuId: b, quantity: 1 });
    await c.addItem({ skuId: d, quantity: 1 });
    expect(await failure(h, c.addItem({ skuId: e, quantity: 1 }))).toMatchObject({
      appCode: 'CART_LINE_LIMIT',
      details: { max: 3 },
    });
    const [low] = await h.skus(1, { stock: 2 });
    const other = h.guest();
    expect(await failure(h, other.addItem({ skuId: low, quantity: 3 }))).toMatchObject({
      code: 'CONFLICT',
      appCode: 'INSUFFICIENT_STOCK',
      details: { skuId: low, requested: 3, available: 2 },
    });
    expect(await failure(h, other.addItem({ skuId: newId(), quantity: 1 }))).toMatchObject({
      code: 'NOT_FOUND',
      appCode: 'SKU_NOT_FOUND',
    });
    const [draft] = await h.skus(1, { publish: false });
    expect(await failure(h, other.addItem({ skuId: draft, quantity: 1 }))).toMatchObject({
      code: 'CONFLICT',
      appCode: 'SKU_UNAVAILABLE',
    });
    const bad = await failure(h, other.addItem({ skuId: a, quantity: 1000 }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.data.zodError?.fieldErrors.quantity).toBeTruthy();
    expect(await failure(h, other.removeItems({ itemIds: [] }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await failure(h, h.anonymous().get())).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' });
    expect((await other.get()).items).toEqual([]);
  });

  it("isolation: another owner's item id is CART_ITEM_NOT_FOUND and changes nothing", async () => {
    const alice = h.user();
    const bob = h.guest();
    const [a] = await h.skus(1);
    const cart = await alice.addItem({ skuId: a, quantity: 2 });
    const itemId = cart.items[0].id;
    await bob.addItem({ skuId: a, quantity: 1 });
    for (const call of [
      () => bob.updateQuantity({ itemId, quantity: 1 }),
      () => bob.removeItem({ itemId }),
      () => bob.removeItems({ itemIds: [itemId] }),
      () => bob.select({ itemIds: [itemId], selected: false }),
      () => h.guest().updateQuantity({ itemId, quantity: 1 }),
    ]) {
      expect(await failure(h, call())).toMatchObject({ code: 'NOT_FOUND', appCode: 'CART_ITEM_NOT_FOUND' });
    }
    expect(await alice.get()).toEqual(cart);
    expect((await bob.get()).items.map((i) => i.quantity)).toEqual([1]);
  });

  it('clear abandons the cart; the next add starts a new active one', async () => {
    const c = h.user();
    const [a] = await h.skus(1);
    const first = await c.addItem({ skuId: a, quantity: 1 });
    const cleared = await c.clear();
    expect(cleared).toMatchObject({ id: null, items: [], totalQuantity: 0 });
    expect(await c.get()).toMatchObject({ id: null, items: [] });
    const second = await c.addItem({ skuId: a, quantity: 1 });
    expect(second.id).not.toBe(first.id);
    expect(await h.carts(c.id)).toEqual([
      { id: first.id, status: 'abandoned', merged_into: null },
      { id: second.id, status: 'active', merged_into: null },
    ]);
    expect(await c.clear()).toMatchObject({ id: null });
    expect(await c.clear()).toMatchObject({ id: null });
  });

  it('addItem with an idempotencyKey adds once; the same key with another input is IDEMPOTENCY_CONFLICT', async () => {
    const c = h.guest();
    const [a] = await h.skus(1);
    const key = newId();
    await c.addItem({ skuId: a, quantity: 2, idempotencyKey: key });
    const again = await c.addItem({ skuId: a, quantity: 2, idempotencyKey: key });
    expect(again.items[0].quantity).toBe(2);
    expect(await failure(h, c.addItem({ skuId: a, quantity: 3, idempotencyKey: key }))).toMatchObject({
      appCode: 'IDEMPOTENCY_CONFLICT',
    });
    // Keys are scoped to the caller.
    expect((await h.guest().addItem({ skuId: a, quantity: 1, idempotencyKey: key })).items[0].quantity).toBe(1);
  });

  it('shows price changes and unpublished products live; unavailable lines never count in the selected totals', async () => {
    const c = h.guest();
    const [a, b] = await h.skus(2);
    await c.addItem({ skuId: a, quantity: 2 });
    await c.addItem({ skuId: b, quantity: 1 });
    await h.catalog.setSkuPrice({ skuId: a, price: 800 });
    let cart = await c.get();
    expect(cart.items.find((i) => i.skuId === a)).toMatchObject({
      unitPrice: 800,
      addedPrice: 1000,
      priceChanged: true,
      subtotal: 1600,
    });
    expect(cart.selectedAmount).toBe(1600 + 1100);
    await h.catalog.unpublish(await h.productOf(a));
    cart = await c.get();
    expect(cart.items.every((i) => !i.available)).toBe(true);
    expect(cart).toMatchObject({ totalQuantity: 3, selectedCount: 0, selectedAmount: 0, payableAmount: 0 });
  });

  it('a line above the stock left is shown unavailable (guests are not held)', async () => {
    const c = h.guest();
    const [a] = await h.skus(1, { stock: 3 });
    await c.addItem({ skuId: a, quantity: 3 });
    await h.inventory.adjust({
      skuId: a,
      mode: 'SET',
      quantity: 1,
      reason: 'count',
      idempotencyKey: newId(),
      operator: newId(),
    });
    const cart = await c.get();
    expect(cart.items[0]).toMatchObject({ available: false, availableStock: 1, quantity: 3 });
    expect(cart.selectedCount).toBe(0);
    expect(await failure(h, c.updateQuantity({ itemId: cart.items[0].id, quantity: 4 }))).toMatchObject({
      appCode: 'INSUFFICIENT_STOCK',
    });
    // Lowering is always allowed.
    expect((await c.updateQuantity({ itemId: cart.items[0].id, quantity: 1 })).items[0]).toMatchObject({
      quantity: 1,
      available: true,
    });
  });

  it('concurrent adds to a new cart make one active cart and lose no quantity', async () => {
    const c = h.user();
    const [a, b] = await h.skus(2, { stock: 50 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => c.addItem({ skuId: i % 2 ? a : b, quantity: 1 })));
    const cart = await c.get();
    expect(cart.items.map((i) => i.quantity)).toEqual([4, 4]);
    expect((await h.carts(c.id)).map((r) => r.status)).toEqual(['active']);
    expect(await h.stock(a, cart.id)).toMatchObject({ held: 4 });
  });
});
