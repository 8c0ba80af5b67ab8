import type { MergeReport } from '@zjmall/contracts';
import type { Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartLine, CartOwner, CartServiceDeps } from './types';

type Capped = MergeReport['capped'][number];

/**
 * Login with a guest token (identity's onLogin hook, wired in modules/api): the guest's active cart
 * is merged into the user's, in one transaction. The same SKU: quantities add, capped by
 * CART_MAX_QUANTITY (`quantity_limit`), CART_MAX_LINES (`line_limit`: the line is left out) and
 * what the user can hold (`stock`). Guest lines were never held; the merged quantities become the
 * user's cart holds. The guest cart becomes `merged`, so logging in again with the same guest token
 * merges nothing. Coupons: the user's applied coupon stays; a user cart without one takes the guest's.
 */
export function createMerge(deps: CartServiceDeps, store: CartStore, m: Mutator) {
  const { db, outbox, inventory, config } = deps;

  return async function mergeGuestCart(userId: string, guestId: string): Promise<MergeReport> {
    const guest: CartOwner = { type: 'guest', id: guestId };
    const user: CartOwner = { type: 'user', id: userId };
    const seconds = m.holdSeconds(user);
    const done = await db.transaction(async (tx) => {
      const g = await store.lockActive(guest, tx, { create: false, holdSeconds: 0 });
      if (!g) return null;
      const guestLines = await store.lines(g.cartId, tx);
      const u = await store.lockActive(user, tx, { create: true, holdSeconds: seconds, slackSeconds: m.extendSlack });
      const userLines = await store.lines(u!.cartId, tx);
      const stock = new Map(
        (
          await inventory.getPublic(
            guestLines.map((l) => l.skuId),
            { transaction: tx },
          )
        ).map((p) => [p.skuId, p.available]),
      );

      const capped: Capped[] = [];
      const changes: { skuId: string; quantity: number; previous: number }[] = [];
      let lines: CartLine[] = userLines;
      let merged = 0;
      for (const gl of [...guestLines].reverse()) {
        const existing = lines.find((l) => l.skuId === gl.skuId);
        const base = existing?.quantity ?? 0;
        const requested = base + gl.quantity;
        if (!existing && lines.length >= config.CART_MAX_LINES) {
          capped.push({ skuId: gl.skuId, requested, quantity: 0, reason: 'line_limit' });
          continue;
        }
        let quantity = requested;
        let reason = '';
        if (quantity > config.CART_MAX_QUANTITY) [quantity, reason] = [config.CART_MAX_QUANTITY, 'quantity_limit'];
        // What the user could have: free stock, plus the user's own hold of this SKU.
        const couldHave = (stock.get(gl.skuId) ?? 0) + (seconds > 0 ? base : 0);
        if (quantity > couldHave) [quantity, reason] = [Math.max(base, couldHave), 'stock'];
        if (reason) capped.push({ skuId: gl.skuId, requested, quantity, reason });
        if (quantity <= base) continue;
        merged++;
        changes.push({ skuId: gl.skuId, quantity, previous: base });
        if (existing) {
          await store.setQuantity(tx, existing.id, quantity);
          lines = lines.map((l) => (l === existing ? { ...l, quantity } : l));
        } else {
          lines = [
            await store.insertLine(tx, u!.cartId, { skuId: gl.skuId, quantity, addedPrice: gl.addedPrice }),
            ...lines,
          ];
        }
      }
      await m.secure({ tx, owner: user, cartId: u!.cartId, lines }, changes);
      if (!u!.couponCode && g.couponCode) await store.setCoupon(tx, u!.cartId, g.couponCode);
      await store.setStatus(tx, g.cartId, 'merged', u!.cartId);
      await outbox.add(tx, [m.changed(u!.cartId, user, 'merge'), m.changed(g.cartId, guest, 'merged')]);
      return { report: { lines: merged, capped }, cartId: u!.cartId, count: lines.length, due: u!.extendDue };
    });
    if (!done) return { lines: 0, capped: [] };
    await m.afterCommit([user, guest], { owner: user, cartId: done.cartId, lines: done.count, due: done.due });
    return done.report;
  };
}
