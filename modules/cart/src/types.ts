import type { Transaction } from 'sequelize';
import type { Bus, Cache, Config, Db, Logger, Outbox } from '@zjmall/platform';
import type { CatalogService } from '@zjmall/catalog';
import type { InventoryService } from '@zjmall/inventory';
import type { CouponService } from '@zjmall/pricing';

/** Whose cart: a signed-in user or a guest (the id from the guest token). */
export interface CartOwner {
  type: 'user' | 'guest';
  id: string;
}

/** A line as stored (and cached): no prices or stock of today, those are read live. */
export interface CartLine {
  id: string;
  skuId: string;
  quantity: number;
  addedPrice: number;
  selected: boolean;
  addedAt: string;
}

/** What the cart cache holds per owner: the active cart's lines (cartId null: no active cart). */
export interface CartSnapshot {
  cartId: string | null;
  /** When the cart's holds lapse (database clock, ISO); null without holds. */
  holdsUntil: string | null;
  /** The applied coupon's code (upper case); judged at read time, like prices. */
  couponCode: string | null;
  lines: CartLine[];
}

/**
 * "Units of these SKUs the customer has bought since T" — order owns the orders and provides it
 * (`createPurchaseCounter`, wired in modules/api). `lock`: take the customer's purchase-limit lock
 * first (held to the commit), so adds, quantity changes, merges and checkouts of one customer
 * count one after another.
 */
export interface CartPurchasesPort {
  unitsBought(
    userId: string,
    skus: { skuId: string; since: string | null }[],
    opts?: { tx?: Transaction; lock?: boolean },
  ): Promise<Map<string, number>>;
}

export interface CartServiceDeps {
  db: Db;
  outbox: Outbox;
  cache: Cache;
  bus: Bus;
  config: Pick<Config, 'CART_HOLD_TTL_SECONDS' | 'CART_MAX_LINES' | 'CART_MAX_QUANTITY' | 'STORE_CURRENCY'>;
  log: Logger;
  catalog: Pick<CatalogService, 'getSkus' | 'getSkusStamped'>;
  inventory: Pick<
    InventoryService,
    'getPublic' | 'getPublicStamped' | 'reserve' | 'reserveEach' | 'release' | 'extend'
  >;
  /** pricing's coupons: `quote` when one is applied, `check` (cached) when a cart with one is read. */
  coupons: Pick<CouponService, 'quote' | 'check'>;
  /** Order's count of what a customer bought, for purchase limits (purchase-limits.ts). */
  purchases: CartPurchasesPort;
}

/** What order checkout reads of the cart (names fixed: modules/order calls it). */
export interface CheckoutView {
  cartId: string;
  currency: string;
  lines: { itemId: string; skuId: string; quantity: number; addedPrice: number; selected: boolean }[];
  /** The coupon applied to the cart (checkout uses it unless given another code). */
  couponCode: string | null;
}

export type TxRunner = <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>;
