import { CartChangedV1, EVENTS, PriceChangedV1, ProductUnpublishedV1, type CartView } from '@zjmall/contracts';
import type { Bus, Logger } from '@zjmall/platform';
import type { CartOwner } from './types';

const ownerKey = (o: CartOwner) => `${o.type}:${o.id}`;

/**
 * `cart.onChange`: every process listens to `cart.changed` (the outbox event, fanned out to every
 * process by bus.onLive — JetStream subjects with NATS, the relay in-process without) and wakes the
 * subscriptions of that owner, which read the owner's active cart again. Keyed by owner, not cart,
 * so a subscription follows the caller across clear (a new cart) and merge. A price change or an
 * unpublished product wakes the subscriptions whose cart shows one of its SKUs (new unitPrice,
 * priceChanged, available: false). When the bus reconnects to NATS after a disconnection, every
 * subscription reads again (what changed meanwhile may never be announced here).
 */
export function createCartWatch(deps: {
  bus: Bus;
  log: Logger;
  read(owner: CartOwner, fresh: boolean, freshPrices?: boolean): Promise<CartView>;
}) {
  const watchers = new Map<string, Set<() => void>>();
  /** The SKUs each subscription's last answer showed. */
  const shown = new Map<() => void, Set<string>>();
  /** Subscriptions woken by a catalog event: their next read takes SKU views from the database. */
  const catalogDirty = new WeakSet<() => void>();
  let unsubscribe: (() => void) | null = null;
  let offReconnect: (() => void) | null = null;

  const wakeShowing = (skuIds: string[]) => {
    for (const [wake, skus] of shown) {
      if (!skuIds.some((id) => skus.has(id))) continue;
      catalogDirty.add(wake);
      wake();
    }
  };

  const listen = () => {
    // Events sent while this process was cut off from NATS never arrive here: once it is back,
    // every subscription reads its cart again, prices included.
    offReconnect ??= deps.bus.onReconnect(() => {
      for (const set of watchers.values())
        for (const wake of set) {
          catalogDirty.add(wake);
          wake();
        }
    });
    unsubscribe ??= deps.bus.onLive(
      [EVENTS.cart.changed, EVENTS.catalog.priceChanged, EVENTS.catalog.productUnpublished],
      (event) => {
        if (event.type === EVENTS.catalog.priceChanged) {
          const p = PriceChangedV1.safeParse(event.data);
          if (p.success) wakeShowing(p.data.changes.map((c) => c.skuId));
          return;
        }
        if (event.type === EVENTS.catalog.productUnpublished) {
          const p = ProductUnpublishedV1.safeParse(event.data);
          if (p.success) wakeShowing(p.data.skuIds);
          return;
        }
        const parsed = CartChangedV1.safeParse(event.data);
        if (!parsed.success) return deps.log.warn({ eventId: event.id }, 'malformed cart.changed ignored');
        for (const wake of watchers.get(ownerKey(parsed.data.owner)) ?? []) wake();
      },
    );
  };

  async function* watch(owner: CartOwner, signal?: AbortSignal): AsyncGenerator<CartView> {
    listen();
    const key = ownerKey(owner);
    let dirty = false;
    let wake: (() => void) | null = null;
    const notify = () => {
      dirty = true;
      wake?.();
    };
    const set = watchers.get(key) ?? new Set();
    watchers.set(key, set);
    set.add(notify);
    signal?.addEventListener('abort', notify, { once: true });
    const remember = (view: CartView) => {
      shown.set(notify, new Set(view.items.map((i) => i.skuId)));
      return view;
    };
    try {
      yield remember(await deps.read(owner, false));
      while (!signal?.aborted) {
        if (!dirty) await new Promise<void>((r) => (wake = r));
        wake = null;
        if (signal?.aborted) break;
        dirty = false;
        const prices = catalogDirty.has(notify);
        catalogDirty.delete(notify);
        // Straight from the database: the event can outrun the cache invalidation of the writer's
        // process (the cart's lines always; the SKU views when a catalog event woke us).
        yield remember(await deps.read(owner, true, prices));
      }
    } finally {
      shown.delete(notify);
      set.delete(notify);
      if (set.size === 0) watchers.delete(key);
      signal?.removeEventListener('abort', notify);
    }
  }

  return {
    watch,
    /** Open subscriptions in this process (tests, metrics). */
    count: () => [...watchers.values()].reduce((n, s) => n + s.size, 0),
    close() {
      unsubscribe?.();
      unsubscribe = null;
      offReconnect?.();
      offReconnect = null;
    },
  };
}
