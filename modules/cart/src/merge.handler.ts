import type { Transaction } from 'sequelize';
import type { CartMergePreview, MergeReport } from '@zjmall/contracts';
import type { Mutator } from './cart.mutation';
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

  async function plan(guestLines: CartLine[], userLines: CartLine[], user: CartOwner, tx: Transaction) {
    const stock = await inventory.getPublic(
      guestLines.map((l) => l.skuId),
      { transaction: tx },
    );
    return planMerge({
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
      const g = await store.lockActive(guest, tx, { create: false, holdSeconds: 0 });
      if (!g) return null;
      const guestLines = await store.lines(g.cartId, tx);
      const u = await store.lockActive(user, tx, { create: true, holdSeconds: seconds, slackSeconds: m.extendSlack });
      let lines = await store.lines(u!.cartId, tx);
      const planned = await plan(guestLines, lines, user, tx);
      const changes: { skuId: string; quantity: number; previous: number }[] = [];
      for (const p of planned) {
        if (p.after <= p.before) continue;
        changes.push({ skuId: p.skuId, quantity: p.after, previous: p.before });
        if (p.existing) {
          await store.setQuantity(tx, p.existing.id, p.after);
          lines = lines.map((l) => (l === p.existing ? { ...l, quantity: p.after } : l));
        } else {
          const added = await store.insertLine(tx, u!.cartId, {
            skuId: p.skuId,
            quantity: p.after,
            addedPrice: p.guestPrice,
          });
          lines = [added, ...lines];
        }
      }
      await m.secure({ tx, owner: user, cartId: u!.cartId, lines }, changes);
      if (!u!.couponCode && g.couponCode) await store.setCoupon(tx, u!.cartId, g.couponCode);
      await store.setStatus(tx, g.cartId, 'merged', u!.cartId);
      await outbox.add(tx, [m.changed(u!.cartId, user, 'merge'), m.changed(g.cartId, guest, 'merged')]);
      return { report: report(planned), cartId: u!.cartId, count: lines.length, due: u!.extendDue };
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
      return plan(g.lines, u.lines, user, tx);
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
