import type { Transaction } from 'sequelize';
import type { CartAddItemInput, CartRemoveItemsInput, CartSelectAllInput, CartSelectInput, CartUpdateQuantityInput, CartView, MergeReport } from '@zjmall/contracts';
import { createAddItem } from './add-item.handler';
import { createCartCache } from './cart.cache';
import { createCleanup, type CleanupReport } from './cart.cleanup';
import { createMutator } from './cart.mutation';
import { createCartStore } from './cart.store';
import { buildCartView } from './cart.view';
import { createCartWatch } from './cart.watch';
import { createCheckoutHandlers } from './checkout.handler';
import { createLineHandlers } from './lines.handler';
import { createMerge } from './merge.handler';
import { cartModels } from './models';
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
  /** The caller's cart now and after every change to it, in any process (cart.onChange). */
  watch(owner: CartOwner, signal?: AbortSignal): AsyncGenerator<CartView>;
  /** identity's onLogin hook (wired in modules/api). */
  mergeGuestCart(userId: string, guestId: string): Promise<MergeReport>;
  // ---- for modules/order (names fixed) ----
  checkoutView(userId: string, itemIds?: string[]): Promise<CheckoutView>;
  removeOrderedLines(tx: Transaction, cartId: string, itemIds: string[]): Promise<void>;
  // ---- jobs ----
  cleanup(opts?: { days?: number }): Promise<CleanupReport>;
  close(): void;
}

export function createCartService(deps: CartServiceDeps): CartService {
  if (cartModels.some((m) => m.sequelize !== deps.db)) {
    throw new Error('createCartService: call db.addModels(cartModels) on this Db first');
  }
  const { catalog, inventory, config } = deps;
  const store = createCartStore(deps.db);
  const cartCache = createCartCache({ cache: deps.cache, store });
  const m = createMutator(deps, store, cartCache);

  /** Lines from the cart cache; live prices and stock from the catalog and inventory caches (one batched read each). */
  async function view(owner: CartOwner, snapshot: CartSnapshot): Promise<CartView> {
    const ids = snapshot.lines.map((l) => l.skuId);
    const [skus, stock] = ids.length ? await Promise.all([catalog.getSkus(ids), inventory.getPublic(ids)]) : [[], []];
    const held = m.holdSeconds(owner) > 0 && snapshot.holdsUntil !== null && Date.parse(snapshot.holdsUntil) > Date.now();
    return buildCartView({
      snapshot,
      skus: new Map(skus.map((s) => [s.skuId, s])),
      stock: new Map(stock.map((s) => [s.skuId, s])),
      currency: config.STORE_CURRENCY,
      held,
    });
  }

  const addItem = createAddItem(deps, store, m);
  const lines = createLineHandlers(store, m);
  const checkout = createCheckoutHandlers(deps, store, cartCache, m);
  const watcher = createCartWatch({
    bus: deps.bus,
    log: deps.log,
    read: async (owner, fresh) => view(owner, fresh ? await cartCache.fresh(owner) : await cartCache.snapshot(owner)),
  });
  const then = (owner: CartOwner) => (snapshot: CartSnapshot) => view(owner, snapshot);

  return {
    get: async (owner) => view(owner, await cartCache.snapshot(owner)),
    async count(owner) {
      const snap = await cartCache.snapshot(owner);
      return { totalQuantity: snap.lines.reduce((n, l) => n + l.quantity, 0) };
    },
    async addItem(owner, input) {
      const r = await addItem(owner, input);
      return view(owner, r.replayed ? await cartCache.snapshot(owner) : r.snapshot);
    },
    updateQuantity: (owner, input) => lines.updateQuantity(owner, input).then(then(owner)),
    removeItems: (owner, input) => lines.removeItems(owner, input).then(then(owner)),
    select: (owner, input) => lines.select(owner, input).then(then(owner)),
    selectAll: (owner, input) => lines.selectAll(owner, input).then(then(owner)),
    clear: (owner) => lines.clear(owner).then(then(owner)),
    watch: watcher.watch,
    mergeGuestCart: createMerge(deps, store, m),
    checkoutView: checkout.checkoutView,
    removeOrderedLines: checkout.removeOrderedLines,
    cleanup: createCleanup(deps, cartCache),
    close: watcher.close,
  };
}
