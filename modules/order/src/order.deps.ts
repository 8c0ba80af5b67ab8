import { QueryTypes, type Transaction } from 'sequelize';
import type { Address } from '@zjmall/contracts';
import type { Bus, Config, Db, Logger, Outbox } from '@zjmall/platform';
import type { InventoryService } from '@zjmall/inventory';
import type { SkuView } from '@zjmall/catalog';
import type { CouponService } from '@zjmall/pricing';

/** One cart line as checkout sees it (cart's `checkoutView`). */
export interface CartCheckoutLine {
  itemId: string;
  skuId: string;
  quantity: number;
  addedPrice: number;
  selected: boolean;
}

/**
 * What checkout needs of the cart (modules/cart's service provides exactly these): the lines to
 * buy (the selected ones, or `itemIds`; unknown ids → CART_ITEM_NOT_FOUND) and, in checkout's
 * transaction, removing the bought lines. Cart holds are owned by `{type: 'cart', id: cartId}`.
 * `couponCode`: the coupon applied to the cart; `usedCoupon`: the code the order used, which
 * leaves the cart with the lines if it is the one applied there.
 */
export interface OrderCartPort {
  checkoutView(
    userId: string,
    itemIds?: string[],
  ): Promise<{ cartId: string; currency: string; lines: CartCheckoutLine[]; couponCode?: string | null }>;
  removeOrderedLines(tx: Transaction, cartId: string, itemIds: string[], usedCoupon?: string | null): Promise<void>;
}

/** pricing's coupons: quoted before checkout's transaction, redeemed in it, released when the order is cancelled. */
export type OrderCouponPort = Pick<CouponService, 'quote' | 'redeem' | 'release'>;

export type OrderInventoryPort = Pick<InventoryService, 'reserveFrom' | 'release' | 'consume' | 'returnStock'>;
export interface OrderCatalogPort {
  getSkus(ids: string[]): Promise<SkuView[]>;
}
export interface OrderIdentityPort {
  listAddresses(userId: string): Promise<Address[]>;
}

export type OrderConfig = Pick<
  Config,
  | 'ORDER_PAYMENT_TTL_SECONDS'
  | 'STORE_CURRENCY'
  | 'STORE_TIMEZONE'
  | 'SHIPPING_FLAT_FEE'
  | 'SWEEP_INTERVAL_SECONDS'
  | 'PRICE_HONOR_SECONDS'
>;

/** What every order use case is built from (made once by createOrderService). */
export interface OrderDeps {
  db: Db;
  outbox: Outbox;
  bus: Bus;
  log: Logger;
  config: OrderConfig;
  inventory: OrderInventoryPort;
  catalog: OrderCatalogPort;
  identity: OrderIdentityPort;
  cart: OrderCartPort;
  coupons: OrderCouponPort;
}

/** A raw SELECT with bound parameters (the hot paths skip the model layer). */
export function select<T extends object>(
  db: Db,
  sql: string,
  bind: unknown[],
  transaction?: Transaction,
): Promise<T[]> {
  return db.query<T>(sql, { bind, type: QueryTypes.SELECT, transaction });
}

export const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
