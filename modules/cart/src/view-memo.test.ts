import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSharedResult, newId } from '@zjmall/platform';
import { createHarness, type Harness } from './testing/harness';

// cart.get answers the view it built last when nothing it was built from changed (same cache
// entries): these tests pin down that any change still shows at once.
describe('cart view memo', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('cart-memo');
  });
  afterAll(() => h?.close());

  it('an unchanged cart is answered with the same frozen view; price, stock and cart changes show at once', async () => {
    const c = h.user();
    const [a, b] = await h.skus(2, { stock: 20 });
    await c.addItem({ skuId: a, quantity: 2 });
    await c.addItem({ skuId: b, quantity: 1 });
    await c.get(); // fills the caches: the next read sees their entries
    const first = await c.get();
    const again = await c.get();
    expect(again).toBe(first);
    expect(isSharedResult(first)).toBe(true);
    expect(Object.isFrozen(first) && Object.isFrozen(first.items) && Object.isFrozen(first.items[0])).toBe(true);
    expect(() => {
      (first.items[0] as { quantity: number }).quantity = 99;
    }).toThrow(TypeError);

    await h.catalog.setSkuPrice({ skuId: a, price: 555 });
    const repriced = await c.get();
    expect(repriced).not.toBe(first);
    expect(repriced.items.find((i) => i.skuId === a)).toMatchObject({
      unitPrice: 555,
      priceChanged: true,
      subtotal: 1110,
    });

    // Another customer holds stock of b: this cart's availableStock for b drops.
    await h.user().addItem({ skuId: b, quantity: 5 });
    const restocked = await c.get();
    expect(restocked.items.find((i) => i.skuId === b)!.availableStock).toBe(20 - 1 - 5 + 1);

    await h.inventory.adjust({
      skuId: a,
      mode: 'SET',
      quantity: 2,
      reason: 'count',
      idempotencyKey: newId(),
      operator: newId(),
    });
    expect((await c.get()).items.find((i) => i.skuId === a)).toMatchObject({ availableStock: 2, available: true });

    const changed = await c.select({ itemIds: [restocked.items[0].id], selected: false });
    expect(changed.selectedCount).toBe(restocked.selectedCount - restocked.items[0].quantity);
    expect(await c.get()).toEqual(changed);
  });
});
