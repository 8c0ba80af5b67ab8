import type { Transaction } from 'sequelize';
import type { CartMergePreview, MergeReport } from '@zjmall/contracts';
import { ownerKey, type Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import { planMerge, type MergePlanLine } from './merge-plan';
import type { CartLine, CartOwner, CartServiceDeps } from './types';

/**
 * Login with a guest token (identity's onLogin hook, wired in modules/api): the guest's active cart
 * is merged into the user's, in one transaction, as `planMerge` decides (merge-plan.ts). Guest lines
 * were never held; the merged quantities become the user's cart holds. The guest cart becomes
 * `merged`, so logging in again with the same guest token merges nothing. Coupons: the user's applied
 * coupon stays; a user cart without one takes the guest's. `preview` runs the same plan on the same
 * reads without locking or writing anything (`cart.mergePreview`).
 */
export function createMerge(deps: CartServiceDeps, store: CartStore, m: Mutator) {
  const { db, outbox, inventory, catalog, config } = deps;

  /** `lock`: the merge's (the customer's purchase-limit lock, when a guest line's SKU has a limit); the preview takes none. */
  async function plan(guestLines: CartLine[], userLines: CartLine[], user: CartOwner, tx: Transaction, lock: boolean) {
    const skus = await catalog.getSkus(guestLines.map((l) => l.skuId));
    const limitRoom = await m.purchaseLimits.room(tx, user, skus, lock);
    const stock = await inventory.getPublic(
      guestLines.map((l) => l.skuId),
      { transaction: tx },
    );
    return planMerge({
      limitRoom,
      guestLines,
      userLines,
      available: new Map(stock.map((p) => [p.skuId, p.available])),
      held: m.holdSeconds(user) > 0,
      maxLines: config.CART_MAX_LINES,
      maxQuantity: config.CART_MAX_QUANTITY,
    });
  }

  const report = (planned: MergePlanLine[]): MergeReport => ({
    lines: planned.filter((p) => p.after > p.before).length,
    capped: planned
      .filter((p) => p.reason)
      .map((p) => ({ skuId: p.skuId, requested: p.requested, quantity: p.after, reason: p.reason! })),
  });

  async function mergeGuestCart(userId: string, guestId: string): Promise<MergeReport> {
    const guest: CartOwner = { type: 'guest', id: guestId };
    const user: CartOwner = { type: 'user', id: userId };
    const seconds = m.holdSeconds(user);
    const done = await db.transaction(async (tx) => {
      // Both carts in one locking statement (cart id order, as every multi-cart writer locks them).
      const both = await store.lockCarts(
        tx,
        [
          { owner: guest, create: false, holdSeconds: 0 },
          { owner: user, create: false, holdSeconds: seconds },
        ],
        m.extendSlack,
      );
      const g = both.get(ownerKey(guest));
      if (!g) return null;
      const u =
        both.get(ownerKey(user)) ??
        (await store.lockCarts(tx, [{ owner: user, create: true, holdSeconds: seconds }], m.extendSlack)).get(
          ownerKey(user),
        )!;
      const planned = await plan(g.lines, u.lines, user, tx, true);
      const grown = planned.filter((p) => p.after > p.before);
      const changes = grown.map((p) => ({ skuId: p.skuId, quantity: p.after, previous: p.before }));
      // All the merged lines in one statement (the new ones in plan order: the guest's newest comes first).
      if (grown.length)
        await store.writeLines(
          tx,
          grown
            .filter((p) => !p.existing)
            .map((p) => ({ cart: u, skuId: p.skuId, quantity: p.after, addedPrice: p.guestPrice })),
          grown.filter((p) => p.existing).map((p) => ({ cart: u, itemId: p.existing!.id, quantity: p.after })),
        );
      const count = u.lines.length + grown.filter((p) => !p.existing).length;
      await m.secure({ tx, owner: user, cartId: u.cartId }, changes);
      if (!u.couponCode && g.couponCode) await store.setCoupon(tx, u.cartId, g.couponCode);
      await store.setStatus(tx, g.cartId, 'merged', u.cartId);
      await outbox.add(tx, [m.changed(u.cartId, user, 'merge'), m.changed(g.cartId, guest, 'merged')]);
      return { report: report(planned), cartId: u.cartId, count, due: u.extendDue };
    });
    if (!done) return { lines: 0, capped: [] };
    await m.afterCommit([user, guest], { owner: user, cartId: done.cartId, lines: done.count, due: done.due });
    return done.report;
  }

  /** What `mergeGuestCart(userId, guestId)` would do now, line by line; reads only. */
  async function preview(userId: string, guestId: string): Promise<CartMergePreview> {
    const user: CartOwner = { type: 'user', id: userId };
    const planned = await db.transaction(async (tx) => {
      const g = await store.loadActive({ type: 'guest', id: guestId }, tx);
      if (!g.cartId) return [];
      const u = await store.loadActive(user, tx);
      return plan(g.lines, u.lines, user, tx, false);
    });
    const skus = new Map((await catalog.getSkus(planned.map((p) => p.skuId))).map((s) => [s.skuId, s]));
    const lines = planned.map((p) => {
      const sku = skus.get(p.skuId);
      // The price the merged line keeps: the user's agreed price on an existing line, else the guest's.
      const agreedPrice = p.existing?.addedPrice ?? p.guestPrice;
      const currentPrice = sku?.price ?? null;
      return {
        skuId: p.skuId,
        productName: sku?.productName ?? '',
        guestQuantity: p.guestQuantity,
        quantityBefore: p.before,
        quantityAfter: p.after,
        requested: p.requested,
        capped: p.reason,
        agreedPrice,
        currentPrice,
        priceChange:
          currentPrice === null || currentPrice === agreedPrice
            ? null
            : currentPrice > agreedPrice
              ? ('up' as const)
              : ('down' as const),
      };
    });
    return { ...report(planned), items: lines };
  }

  return { mergeGuestCart, preview };
}
