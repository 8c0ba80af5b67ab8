import type { Cache } from '@zjmall/platform';
import type { CartStore } from './cart.store';
import type { CartOwner, CartSnapshot } from './types';

/** Lines of an owner's active cart; a write deletes the key before it answers. */
const SNAPSHOT_TTL_SECONDS = 300;
/** "No active cart" is remembered briefly (a guest that only looks costs one query a minute). */
const EMPTY_TTL_SECONDS = 60;

export const cartCacheKey = (owner: CartOwner) => `cart:o:${owner.type}:${owner.id}`;

/**
 * The cart's read cache: per owner, the active cart's lines (ids, quantities, added prices,
 * selection). Live prices and stock are not in it: they come from the catalog and inventory caches
 * at read time, so a price change never has to touch a cart.
 */
export function createCartCache(deps: { cache: Cache; store: CartStore }) {
  const { cache, store } = deps;

  const fillFrom = async (owner: CartOwner): Promise<CartSnapshot> => {
    const snap = await store.loadActive(owner);
    await cache.fill([
      { key: cartCacheKey(owner), value: snap, ttlSeconds: snap.cartId ? SNAPSHOT_TTL_SECONDS : EMPTY_TTL_SECONDS },
    ]);
    return snap;
  };

  return {
    /** Cached read (one cache hit, or one query and a fill). */
    async snapshot(owner: CartOwner): Promise<CartSnapshot> {
      const hit = await cache.get<CartSnapshot>(cartCacheKey(owner));
      return hit ?? fillFrom(owner);
    },
    /** Read from the database (after a change announced by another process), refilling the cache. */
    fresh: fillFrom,
    /** Here, in Redis, and (through the platform cache) in every other process's memory. */
    invalidate(owners: CartOwner[]): Promise<void> {
      return cache.del(owners.map(cartCacheKey));
    },
  };
}

export type CartCache = ReturnType<typeof createCartCache>;
