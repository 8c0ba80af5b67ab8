import type { Transaction } from 'sequelize';
import type { PurchaseLimitDetails } from '@zjmall/contracts';
import { limitInForce, type SkuView } from '@zjmall/catalog';
import { DomainError } from '@zjmall/platform';
import type { AddPlan } from './add-plan';
import type { CartOwner, CartServiceDeps } from './types';

/**
 * Purchase limits in the cart's writes. A SKU's limit (catalog's `purchaseLimit`, while its window
 * holds) bounds what one customer has of it: their cart plus their orders counted against it
 * (order's count). The SKU views the write already loaded say whether any limit is in force, so a
 * request without one costs nothing. With one, a customer's count is taken under their
 * purchase-limit lock — after the cart row, before the stock (docs/architecture.md, lock order) —
 * so parallel adds, quantity changes, merges and checkouts of one customer count one after another,
 * each seeing what the one before committed. Guests have no orders: their cart alone is held to the
 * limit (under its row lock), and the account's orders count when it is merged at sign-in.
 */
export function createLimitGuard({ purchases, catalog }: Pick<CartServiceDeps, 'purchases' | 'catalog'>) {
  /** Units each customer bought of their limited SKUs (guests: none), their locks taken in id order. */
  async function bought(
    tx: Transaction | undefined,
    wanted: { owner: CartOwner; skuId: string; since: string | null }[],
    lock: boolean,
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const byUser = new Map<string, { skuId: string; since: string | null }[]>();
    for (const w of wanted) {
      if (w.owner.type !== 'user') continue;
      byUser.set(w.owner.id, [...(byUser.get(w.owner.id) ?? []), { skuId: w.skuId, since: w.since }]);
    }
    for (const userId of [...byUser.keys()].sort()) {
      const units = await purchases.unitsBought(userId, byUser.get(userId)!, { tx, lock });
      for (const [skuId, n] of units) out.set(`${userId}:${skuId}`, n);
    }
    return out;
  }
  const key = (owner: CartOwner, skuId: string) => `${owner.id}:${skuId}`;

  const refusal = (d: PurchaseLimitDetails) =>
    new DomainError('PURCHASE_LIMIT', `At most ${d.limit} of this item per customer`, d);

  return {
    /** Marks the planned adds that would take their customer past a limit (they then change nothing). */
    async checkAdds(tx: Transaction, plans: AddPlan[]): Promise<void> {
      const now = Date.now();
      const limited = plans.flatMap((p) => {
        const f = p.failed ? null : limitInForce(p.req.sku.purchaseLimit, now);
        return f ? [{ p, ...f }] : [];
      });
      if (limited.length === 0) return;
      const units = await bought(
        tx,
        limited.map(({ p, since }) => ({ owner: p.req.owner, skuId: p.req.sku.skuId, since })),
        true,
      );
      for (const { p, limit } of limited) {
        const alreadyBought = units.get(key(p.req.owner, p.req.sku.skuId)) ?? 0;
        const inCart = p.existing?.quantity ?? 0;
        if (alreadyBought + inCart + p.req.quantity > limit)
          p.failed = refusal({ skuId: p.req.sku.skuId, limit, alreadyBought, inCart, requested: p.req.quantity });
      }
    },

    /** A line of `skuId` raised from `inCart` to `quantity` (cart.updateQuantity): refused past the limit. */
    async checkQuantity(
      tx: Transaction,
      owner: CartOwner,
      skuId: string,
      inCart: number,
      quantity: number,
    ): Promise<void> {
      if (quantity <= inCart) return;
      const [sku] = await catalog.getSkus([skuId]);
      const f = sku ? limitInForce(sku.purchaseLimit) : null;
      if (!f) return;
      const units = await bought(tx, [{ owner, skuId: sku.skuId, since: f.since }], true);
      const alreadyBought = units.get(key(owner, sku.skuId)) ?? 0;
      if (alreadyBought + quantity > f.limit)
        throw refusal({ skuId: sku.skuId, limit: f.limit, alreadyBought, inCart, requested: quantity });
    },

    /**
     * Units of each limited SKU the user may have in their cart (limit − bought, at least 0) — the
     * merge's `limitRoom`. `lock`: the merge takes the lock; its preview only reads.
     */
    async room(
      tx: Transaction | undefined,
      user: CartOwner,
      skus: SkuView[],
      lock: boolean,
    ): Promise<Map<string, number>> {
      const now = Date.now();
      const limited = skus.flatMap((s) => {
        const f = limitInForce(s.purchaseLimit, now);
        return f ? [{ s, ...f }] : [];
      });
      const room = new Map<string, number>();
      if (limited.length === 0) return room;
      const units = await bought(
        tx,
        limited.map(({ s, since }) => ({ owner: user, skuId: s.skuId, since })),
        lock,
      );
      for (const { s, limit } of limited) room.set(s.skuId, Math.max(0, limit - (units.get(key(user, s.skuId)) ?? 0)));
      return room;
    },
  };
}

export type LimitGuard = ReturnType<typeof createLimitGuard>;
