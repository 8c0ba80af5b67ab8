import type { Transaction } from 'sequelize';
import type {
  PublicStock,
  CartAcceptPricesInput,
  CartApplyCouponInput,
  CartAddItemInput,
  CartRemoveItemsInput,
  CartSelectAllInput,
  CartSelectInput,
  CartUpdateQuantityInput,
  CartMergePreview,
  CartView,
  MergeReport,
} from '@zjmall/contracts';
import type { SkuView } from '@zjmall/catalog';
import { sharedResult, Stamp } from '@zjmall/platform';
import { createAcceptPrices } from './accept-prices.handler';
import { createAddItem } from './add-item.handler';
import { createCartCache } from './cart.cache';
import { createCleanup, type CleanupReport } from './cart.cleanup';
import { createHoldersQuery, type CartHolder } from './cart.holders';
import { createMutator } from './cart.mutation';
import { createCartStore } from './cart.store';
import { buildCartView } from './cart.view';
import { createCartWatch } from './cart.watch';
import { createCouponHandlers, withCoupon } from './cart.coupon';
import { createCheckoutHandlers } from './checkout.handler';
import { createLineHandlers } from './lines.handler';
import { createMerge } from './merge.handler';
import type { CartOwner, CartServiceDeps, CartSnapshot, CheckoutView } from './types';

export interface CartService {
  get(owner: CartOwner): Promise<CartView>;
  count(owner: CartOwner): Promise<{ totalQuantity: number }>;
  addItem(owner: CartOwner, input: CartAddItemInput): Promise<CartView>;
  updateQuantity(owner: CartOwner, input: CartUpdateQuantityInput): Promise<CartView>;
  removeItems(owner: CartOwner, input: CartRemoveItemsInput): Promise<CartView>;
  select(owner: CartOwner, input: CartSelectInput): Promise<CartView>;
  selectAll(owner: CartOwner, input: CartSelectAllInput): Promise<CartView>;
  clear(owner: CartOwner): Promise<CartView>;
  /** Validates the code on the selected amount (COUPON_INVALID: the cart is unchanged) and keeps it on the cart. */
  applyCoupon(owner: CartOwner, input: CartApplyCouponInput): Promise<CartView>;
  removeCoupon(owner: CartOwner): Promise<CartView>;
  /** The lines given (default: all) take their SKU's current price as the agreed price (addedPrice). */
  acceptPrices(owner: CartOwner, input: CartAcceptPricesInput): Promise<CartView>;
  /** The caller's cart now and after every change to it, in any process (cart.onChange). */
  watch(owner: CartOwner, signal?: AbortSignal): AsyncGenerator<CartView>;
  /** identity's onLogin hook (wired in modules/api). */
  mergeGuestCart(userId: string, guestId: string): Promise<MergeReport>;
  /** What mergeGuestCart(userId, guestId) would do now, line by line, changing nothing (cart.mergePreview). */
  mergePreview(userId: string, guestId: string): Promise<CartMergePreview>;
  // ---- for modules/order (names fixed) ----
  checkoutView(userId: string, itemIds?: string[]): Promise<CheckoutView>;
  removeOrderedLines(tx: Transaction, cartId: string, itemIds: string[], usedCoupon?: string | null): Promise<void>;
  // ---- for modules/notification ----
  /** Signed-in customers whose active cart holds any of these SKUs. */
  holdersOf(skuIds: readonly string[]): Promise<CartHolder[]>;
  // ---- jobs ----
  cleanup(opts?: { days?: number }): Promise<CleanupReport>;
  close(): void;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function createCartService(deps: CartServiceDeps): CartService {
  const { catalog, inventory, config } = deps;
  const store = createCartStore(deps.db);
  const cartCache = createCartCache({ cache: deps.cache, store });
  const m = createMutator(deps, store, cartCache);

  /**
   * The last view built from each cached snapshot, with a stamp of the catalog and inventory cache
   * entries it was built from. While no entry was replaced, dropped or expired (stamp valid) a read
   * of the same snapshot gets that view again without looking anything up — frozen, so its JSON is
   * serialised once (platform's sharedResult). The memo lives as long as the snapshot in the cart
   * cache; views built from anything not in memory are not kept.
   */
  const built = new WeakMap<
    CartSnapshot,
    { stamp: Stamp; held: boolean; skus: SkuView[]; stock: PublicStock[]; view: CartView }
  >();
  const NOTHING = { skus: [] as SkuView[], stock: [] as PublicStock[], stamp: new Stamp([]) };

  /** Lines from the cart cache; live prices and stock from the catalog and inventory caches (one batched read each). */
  async function view(
    owner: CartOwner,
    snapshot: CartSnapshot,
    freshPrices = false,
    freshStock?: PublicStock[],
  ): Promise<CartView> {
    const held =
      m.holdSeconds(owner) > 0 && snapshot.holdsUntil !== null && Date.parse(snapshot.holdsUntil) > Date.now();
    if (freshStock?.length) return viewWithStock(snapshot, held, freshStock);
    const last = freshPrices ? undefined : built.get(snapshot);
    if (last && last.held === held && last.stamp.valid()) return last.view;
    const ids = snapshot.lines.map((l) => l.skuId);
    const [skus, stock] = !ids.length
      ? [NOTHING, NOTHING]
      : freshPrices
        ? await Promise.all([
            catalog.getSkus(ids, { fresh: true }).then((s) => ({ skus: s, stamp: null })),
            inventory.getPublicStamped(ids),
          ])
        : await Promise.all([catalog.getSkusStamped(ids), inventory.getPublicStamped(ids)]);
    const stamp = Stamp.both(skus.stamp, stock.stamp);
    // The stamp lapsed but the entries read again are the same objects (revived): same view.
    if (last && last.held === held && sameItems(last.skus, skus.skus) && sameItems(last.stock, stock.stock)) {
      if (stamp) built.set(snapshot, { ...last, stamp });
      return last.view;
    }
    const v = sharedResult(
      buildCartView({
        snapshot,
        skus: new Map(skus.skus.map((s) => [s.skuId, s])),
        stock: new Map(stock.stock.map((s) => [s.skuId, s])),
        currency: config.STORE_CURRENCY,
        held,
      }),
    );
    if (stamp) built.set(snapshot, { stamp, held, skus: skus.skus, stock: stock.stock, view: v });
    return v;
  }

  /**
   * A writer's answer: the stock it read or left under the rows' locks (the batch's) stands in for
   * those SKUs' cache entries, which it has just dropped — no read of what it already knows. Not
   * memoized (the next read starts from a new snapshot).
   */
  async function viewWithStock(snapshot: CartSnapshot, held: boolean, freshStock: PublicStock[]): Promise<CartView> {
    const stock = new Map(freshStock.map((s) => [s.skuId, s]));
    const ids = snapshot.lines.map((l) => l.skuId);
    const rest = ids.filter((id) => !stock.has(id));
    const [skus, others] = await Promise.all([catalog.getSkus(ids), rest.length ? inventory.getPublic(rest) : []]);
    for (const s of others) stock.set(s.skuId, s);
    return sharedResult(
      buildCartView({
        snapshot,
        skus: new Map(skus.map((s) => [s.skuId, s])),
        stock,
        currency: config.STORE_CURRENCY,
        held,
      }),
    );
  }

  /**
   * The view with the applied coupon judged (pricing's cached check) on its selected amount. A cart
   * without a coupon costs nothing more: no lookup, and the memoized view is answered as it is.
   */
  async function cartView(
    owner: CartOwner,
    snapshot: CartSnapshot,
    freshPrices = false,
    freshStock?: PublicStock[],
  ): Promise<CartView> {
    const v = await view(owner, snapshot, freshPrices, freshStock);
    if (!snapshot.couponCode) return v;
    const userId = owner.type === 'user' ? owner.id : undefined;
    return withCoupon(v, await deps.coupons.check(snapshot.couponCode, { userId, selectedAmount: v.selectedAmount }));
  }

  const addItem = createAddItem(deps, store, m);
  const coupons = createCouponHandlers(deps, store, m, async (owner) => view(owner, await cartCache.snapshot(owner)));
  const lines = createLineHandlers(store, m);
  const acceptPrices = createAcceptPrices(deps, store, m);
  const checkout = createCheckoutHandlers(deps, store, cartCache, m);
  const watcher = createCartWatch({
    bus: deps.bus,
    log: deps.log,
    read: async (owner, fresh, freshPrices) =>
      cartView(owner, fresh ? await cartCache.fresh(owner) : await cartCache.snapshot(owner), freshPrices),
  });
  const merge = createMerge(deps, store, m);
  const then = (owner: CartOwner) => (snapshot: CartSnapshot) => cartView(owner, snapshot);

  return {
    get: async (owner) => cartView(owner, await cartCache.snapshot(owner)),
    async count(owner) {
      const snap = await cartCache.snapshot(owner);
      return { totalQuantity: snap.lines.reduce((n, l) => n + l.quantity, 0) };
    },
    async addItem(owner, input) {
      const r = await addItem(owner, input);
      return r.replayed
        ? cartView(owner, await cartCache.snapshot(owner))
        : cartView(owner, r.snapshot, false, r.stock);
    },
    updateQuantity: (owner, input) => lines.updateQuantity(owner, input).then(then(owner)),
    removeItems: (owner, input) => lines.removeItems(owner, input).then(then(owner)),
    select: (owner, input) => lines.select(owner, input).then(then(owner)),
    selectAll: (owner, input) => lines.selectAll(owner, input).then(then(owner)),
    clear: (owner) => lines.clear(owner).then(then(owner)),
    applyCoupon: (owner, input) => coupons.applyCoupon(owner, input).then(then(owner)),
    removeCoupon: (owner) => coupons.removeCoupon(owner).then(then(owner)),
    acceptPrices: (owner, input) => acceptPrices(owner, input).then(then(owner)),
    watch: watcher.watch,
    mergeGuestCart: merge.mergeGuestCart,
    mergePreview: merge.preview,
    checkoutView: checkout.checkoutView,
    removeOrderedLines: checkout.removeOrderedLines,
    holdersOf: createHoldersQuery(deps.db),
    cleanup: createCleanup(deps, store, cartCache),
    close: watcher.close,
  };
}
