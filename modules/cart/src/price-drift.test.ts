import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@zjmall/platform';
import { createHarness, failure, type Harness } from './testing/harness';

// Agreed prices (addedPrice) and the warnings of cart.get: reads never change an agreed price; a new
// add of the SKU and cart.acceptPrices do.
let h: Harness;
beforeAll(async () => {
  h = await createHarness('cartdrift', { CART_HOLD_TTL_SECONDS: '1800' });
});
afterAll(() => h?.close());

const stored = async (itemId: string) =>
  (await h.q<{ added_price: number }>(`SELECT added_price FROM cart.cart_items WHERE id = $1`, [itemId]))[0]
    .added_price;

describe('agreed prices', () => {
  it('reading the cart never changes addedPrice; a rise and a fall are warned about with both prices', async () => {
    const c = h.user();
    const [a, b] = await h.skus(2, { stock: 50 }); // 1000, 1100
    await c.addItem({ skuId: a, quantity: 1 });
    const added = await c.addItem({ skuId: b, quantity: 2 });
    const lineA = added.items.find((i) => i.skuId === a)!;
    const lineB = added.items.find((i) => i.skuId === b)!;
    expect(added.warnings).toEqual([]);
    await h.catalog.setSkuPrice({ skuId: a, price: 1500 });
    await h.catalog.setSkuPrice({ skuId: b, price: 900 });
    for (let i = 0; i < 3; i++) {
      const cart = await c.get();
      expect(cart.items.map((l) => [l.skuId, l.unitPrice, l.addedPrice, l.priceChanged])).toEqual([
        [b, 900, 1100, true],
        [a, 1500, 1000, true],
      ]);
      expect(cart.warnings).toEqual([
        { kind: 'price_down', itemId: lineB.id, skuId: b, seenPrice: 1100, currentPrice: 900 },
        { kind: 'price_up', itemId: lineA.id, skuId: a, seenPrice: 1000, currentPrice: 1500 },
      ]);
    }
    expect(await c.count()).toEqual({ totalQuantity: 3 });
    expect([await stored(lineA.id), await stored(lineB.id)]).toEqual([1000, 1100]);
    // A change of quantity or selection is no agreement to the price either.
    await c.updateQuantity({ itemId: lineA.id, quantity: 2 });
    await c.select({ itemIds: [lineA.id], selected: false });
    expect(await stored(lineA.id)).toBe(1000);
  });

  it('a new add of the SKU takes its price now; acceptPrices takes the lines given, or all', async () => {
    const c = h.user();
    const [a, b, x] = await h.skus(3, { stock: 50 }); // 1000, 1100, 1200
    const first = await c.addItem({ skuId: a, quantity: 1 });
    const lineA = first.items[0];
    await h.catalog.setSkuPrice({ skuId: a, price: 1300 });
    const readded = await c.addItem({ skuId: a, quantity: 1 });
    expect(readded.items[0]).toMatchObject({ id: lineA.id, quantity: 2, addedPrice: 1300, priceChanged: false });
    expect(await stored(lineA.id)).toBe(1300);

    await c.addItem({ skuId: b, quantity: 1 });
    const withX = await c.addItem({ skuId: x, quantity: 1 });
    const lineB = withX.items.find((i) => i.skuId === b)!;
    const lineX = withX.items.find((i) => i.skuId === x)!;
    await h.catalog.setSkuPrice({ skuId: a, price: 1400 });
    await h.catalog.setSkuPrice({ skuId: b, price: 2000 });
    await h.catalog.setSkuPrice({ skuId: x, price: 100 });
    const one = await c.acceptPrices({ itemIds: [lineB.id] });
    expect(one.items.map((i) => [i.skuId, i.addedPrice])).toEqual([
      [x, 1200],
      [b, 2000],
      [a, 1300],
    ]);
    expect(one.warnings.map((w) => [w.kind, w.skuId])).toEqual([
      ['price_down', x],
      ['price_up', a],
    ]);
    const all = await c.acceptPrices();
    expect(all.items.map((i) => [i.skuId, i.addedPrice, i.priceChanged])).toEqual([
      [x, 100, false],
      [b, 2000, false],
      [a, 1400, false],
    ]);
    expect(all.warnings).toEqual([]);
    expect((await c.get()).items.map((i) => i.addedPrice)).toEqual([100, 2000, 1400]);
    expect(await stored(lineX.id)).toBe(100);

    // Another owner's line, or no line at all: CART_ITEM_NOT_FOUND, nothing changes.
    await h.catalog.setSkuPrice({ skuId: a, price: 1450 });
    const other = h.guest();
    expect(await failure(h, other.acceptPrices({ itemIds: [lineA.id] }))).toMatchObject({
      appCode: 'CART_ITEM_NOT_FOUND',
    });
    expect(await failure(h, c.acceptPrices({ itemIds: [lineA.id, newId()] }))).toMatchObject({
      appCode: 'CART_ITEM_NOT_FOUND',
    });
    expect(await stored(lineA.id)).toBe(1400);
    // Without a cart, accepting everything is an empty cart.
    expect(await h.guest().acceptPrices()).toMatchObject({ id: null, items: [], warnings: [] });
    // Bad input names the field.
    expect((await failure(h, c.acceptPrices({ itemIds: ['nope'] }))).code).toBe('BAD_REQUEST');
  });

  it('tells of a purchase limit with its window', async () => {
    const c = h.guest();
    const [a, b] = await h.skus(2, { stock: 50 });
    await c.addItem({ skuId: a, quantity: 1 });
    const cart = await c.addItem({ skuId: b, quantity: 1 });
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    await h.catalog.setPurchaseLimit({ skuId: b, limit: 2, endsAt });
    const lineB = cart.items.find((i) => i.skuId === b)!;
    expect((await c.get()).warnings).toEqual([
      { kind: 'limit', itemId: lineB.id, skuId: b, limit: 2, startsAt: null, endsAt },
    ]);
  });

  it('warns of unavailable lines (off sale, or short of stock) and of low stock', async () => {
    const c = h.guest();
    const [off] = await h.skus(1, { stock: 50 });
    const [short] = await h.skus(1, { stock: 3 });
    const [low] = await h.skus(1, { stock: 4 });
    const [fine] = await h.skus(1, { stock: 500 });
    const lines = new Map<string, string>();
    for (const [sku, qty] of [
      [off, 1],
      [short, 3],
      [low, 1],
      [fine, 1],
    ] as const)
      lines.set(sku, (await c.addItem({ skuId: sku, quantity: qty })).items.find((i) => i.skuId === sku)!.id);
    await h.catalog.unpublish(await h.productOf(off));
    await h.inventory.adjust({
      skuId: short,
      mode: 'SET',
      quantity: 1,
      reason: 'count',
      idempotencyKey: newId(),
      operator: newId(),
    });
    const cart = await c.get();
    const stockOf = (sku: string) => cart.items.find((i) => i.skuId === sku)!;
    expect(stockOf(low).stockStatus).toBe('low_stock');
    expect(cart.warnings).toEqual([
      { kind: 'low_stock', itemId: lines.get(low), skuId: low, available: stockOf(low).availableStock },
      { kind: 'unavailable', itemId: lines.get(short), skuId: short, reason: 'stock' },
      { kind: 'unavailable', itemId: lines.get(off), skuId: off, reason: 'not_for_sale' },
    ]);
  });
});
