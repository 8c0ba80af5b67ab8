import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './testing/harness';

describe('guest cart merge at login', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('cartmerge', { CART_MAX_LINES: '3', CART_MAX_QUANTITY: '10' });
  });
  afterAll(() => h?.close());

  it('adds quantities (capped by limits and stock), moves the holds to the user cart, marks the guest cart merged', async () => {
    const [a, b, low] = await h.skus(3, { stock: 9 });
    await h.inventory.adjust({
      skuId: low,
      mode: 'SET',
      quantity: 3,
      reason: 'count',
      idempotencyKey: `k-${low}`,
      operator: h.user().id,
    });
    const guest = h.guest();
    const user = h.user();
    await user.addItem({ skuId: a, quantity: 4 });
    await guest.addItem({ skuId: a, quantity: 5 }); // the user's hold of 4 counts as the user's: 9
    await guest.addItem({ skuId: b, quantity: 2 });
    await guest.addItem({ skuId: low, quantity: 3 });
    await h.inventory.adjust({
      skuId: low,
      mode: 'SET',
      quantity: 1,
      reason: 'count',
      idempotencyKey: `k2-${low}`,
      operator: user.id,
    });
    const guestCart = await guest.get();

    const report = await h.cart.mergeGuestCart(user.id, guest.id);
    expect(report.lines).toBe(3);
    expect(report.capped).toEqual([{ skuId: low, requested: 3, quantity: 1, reason: 'stock' }]);
    const cart = await user.get();
    const qty = Object.fromEntries(cart.items.map((i) => [i.skuId, i.quantity]));
    expect(qty).toEqual({ [a]: 9, [b]: 2, [low]: 1 });
    expect(await h.stock(a, cart.id)).toMatchObject({ reserved: 9, held: 9 });
    expect(await h.stock(b, cart.id)).toMatchObject({ held: 2 });
    expect(await h.carts(guest.id)).toEqual([{ id: guestCart.id, status: 'merged', merged_into: cart.id }]);
    // The guest token now has no cart; logging in again with it merges nothing.
    expect(await guest.get()).toMatchObject({ id: null, items: [] });
    expect(await h.cart.mergeGuestCart(user.id, guest.id)).toEqual({ lines: 0, capped: [] });
    expect((await user.get()).items).toEqual(cart.items);
    // Used again, the guest token starts a new guest cart.
    expect((await guest.addItem({ skuId: b, quantity: 1 })).id).not.toBe(guestCart.id);
  });

  it('caps by the quantity limit and leaves out lines past the line limit', async () => {
    const skus = await h.skus(4, { stock: 50 });
    const guest = h.guest();
    const user = h.user();
    await user.addItem({ skuId: skus[0], quantity: 6 });
    await user.addItem({ skuId: skus[1], quantity: 1 });
    await guest.addItem({ skuId: skus[0], quantity: 6 });
    await guest.addItem({ skuId: skus[2], quantity: 1 });
    await guest.addItem({ skuId: skus[3], quantity: 1 });
    const report = await h.cart.mergeGuestCart(user.id, guest.id);
    expect(report.capped).toEqual(
      expect.arrayContaining([
        { skuId: skus[0], requested: 12, quantity: 10, reason: 'quantity_limit' },
        { skuId: skus[3], requested: 1, quantity: 0, reason: 'line_limit' },
      ]),
    );
    expect(report.lines).toBe(2);
    expect((await user.get()).totalItems).toBe(3);
  });

  it('a user without a cart gets one; an empty guest merges nothing', async () => {
    const [a] = await h.skus(1);
    const user = h.user();
    expect(await h.cart.mergeGuestCart(user.id, h.guest().id)).toEqual({ lines: 0, capped: [] });
    const guest = h.guest();
    await guest.addItem({ skuId: a, quantity: 2 });
    expect(await h.cart.mergeGuestCart(user.id, guest.id)).toEqual({ lines: 1, capped: [] });
    expect((await user.get()).items.map((i) => [i.skuId, i.quantity, i.addedPrice])).toEqual([[a, 2, 1000]]);
  });

  it('mergePreview tells line by line what the merge then does, and changes nothing', async () => {
    const [a, b, low, lost] = await h.skus(4, { stock: 20 });
    await h.inventory.adjust({
      skuId: low,
      mode: 'SET',
      quantity: 3,
      reason: 'count',
      idempotencyKey: `p-${low}`,
      operator: h.user().id,
    });
    const guest = h.guest();
    const user = h.user();
    await user.addItem({ skuId: a, quantity: 4 });
    await user.addItem({ skuId: lost, quantity: 1 });
    await guest.addItem({ skuId: a, quantity: 8 }); // 12 > CART_MAX_QUANTITY 10
    await guest.addItem({ skuId: low, quantity: 3 });
    await guest.addItem({ skuId: b, quantity: 2 }); // a fourth line: over CART_MAX_LINES 3
    await h.inventory.adjust({
      skuId: low,
      mode: 'SET',
      quantity: 1,
      reason: 'count',
      idempotencyKey: `p2-${low}`,
      operator: user.id,
    });
    await h.catalog.setSkuPrice({ skuId: low, price: 1500 });
    const userBefore = await user.get();
    const guestBefore = await guest.get();

    const preview = await user.mergePreview({ guestToken: `guest:${guest.id}` });
    expect(preview.items).toEqual([
      {
        skuId: a,
        productName: expect.any(String),
        guestQuantity: 8,
        quantityBefore: 4,
        quantityAfter: 10,
        requested: 12,
        capped: 'quantity_limit',
        agreedPrice: 1000,
        currentPrice: 1000,
        priceChange: null,
      },
      expect.objectContaining({ skuId: low, quantityBefore: 0, quantityAfter: 1, capped: 'stock' }),
      expect.objectContaining({ skuId: b, quantityBefore: 0, quantityAfter: 0, capped: 'line_limit' }),
    ]);
    expect(preview.items[1]).toMatchObject({ agreedPrice: 1200, currentPrice: 1500, priceChange: 'up' });
    // Nothing changed: both carts as they were, the guest cart still active.
    expect(await user.get()).toEqual(userBefore);
    expect(await guest.get()).toEqual(guestBefore);

    const report = await h.cart.mergeGuestCart(user.id, guest.id);
    expect(report).toEqual({ lines: preview.lines, capped: preview.capped });
    const after = Object.fromEntries((await user.get()).items.map((i) => [i.skuId, i.quantity]));
    for (const item of preview.items) expect(after[item.skuId] ?? 0).toBe(item.quantityAfter);
  });

  it('mergePreview: signed-in callers only, a valid guest token, an empty guest cart previews nothing', async () => {
    const user = h.user();
    await expect(h.guest().mergePreview({ guestToken: `guest:${h.guest().id}` })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(user.mergePreview({ guestToken: `user:${user.id}` })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await user.mergePreview({ guestToken: `guest:${h.guest().id}` })).toEqual({
      lines: 0,
      capped: [],
      items: [],
    });
  });
});
