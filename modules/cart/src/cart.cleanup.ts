import type { CartCache } from './cart.cache';
import type { CartStore } from './cart.store';
import type { CartOwner, CartServiceDeps } from './types';

export interface CleanupReport {
  /** Lines newly marked unavailable (their product was unpublished or the SKU disabled). */
  flagged: number;
  removedLines: number;
  removedCarts: number;
}

const SKU_BATCH = 500;
const DELETE_BATCH = 1000;

/**
 * The periodic cleanup (modules/api jobs.ts): marks lines whose SKU is no longer for sale
 * (`unavailable_since`, cleared again if it comes back), removes lines unavailable for `days`, and
 * carts (any status) untouched for `days`. Safe with several processes running it. Its writes are
 * the store's (cart.store.ts), which lock and write the carts' rows before their lines.
 */
export function createCleanup(deps: Pick<CartServiceDeps, 'catalog'>, store: CartStore, cartCache: CartCache) {
  const { catalog } = deps;

  return async function cleanup(opts: { days?: number } = {}): Promise<CleanupReport> {
    const days = opts.days ?? 30;
    let flagged = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const ids = await store.skusInCarts(after, SKU_BATCH);
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      const forSale = new Set((await catalog.getSkus(ids)).filter((s) => s.availableForSale).map((s) => s.skuId));
      flagged += await store.markAvailability(
        ids.filter((id) => !forSale.has(id)),
        [...forSale],
      );
    }
    const owners = new Map<string, CartOwner>();
    const keep = (list: CartOwner[]) => {
      for (const o of list) owners.set(`${o.type}:${o.id}`, o);
    };
    const lines = await store.removeUnavailableLines(days);
    keep(lines.owners);
    let removedCarts = 0;
    for (;;) {
      const carts = await store.removeStaleCarts(days, DELETE_BATCH);
      keep(carts);
      removedCarts += carts.length;
      if (carts.length < DELETE_BATCH) break;
    }
    if (owners.size) await cartCache.invalidate([...owners.values()]);
    return { flagged, removedLines: lines.removed, removedCarts };
  };
}
