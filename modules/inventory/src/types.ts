import type { Transaction } from 'sequelize';
import type { AdjustMode, LedgerRefType, LedgerType, ReservationOwner, ReservationOwnerType } from '@zjmall/contracts';

/** Who holds a reservation: a cart (holds that expire) or an order (until paid or cancelled). */
export type Owner = ReservationOwner;
export type OwnerType = ReservationOwnerType;

export interface ReserveLine {
  skuId: string;
  /** The owner's new total for this SKU (0 releases it). */
  quantity: number;
}

export interface ReserveOptions {
  /** Cart holds only: lifetime from now (database clock). Default CART_HOLD_TTL_SECONDS. */
  ttlSeconds?: number;
  /** Reserve inside the caller's transaction (checkout); the lock is taken, nothing is coalesced. */
  tx?: Transaction;
  /** Who acts, for the ledger (default 'system'). */
  operator?: string;
}

export interface ReservedLine {
  skuId: string;
  /** The owner's reservation of this SKU now. */
  quantity: number;
  /** What this call changed (negative when the quantity was lowered). */
  delta: number;
}

export interface ReserveResult {
  owner: Owner;
  lines: ReservedLine[];
  /** Cart holds: when the touched lines expire (ISO-8601, database clock); null for orders. */
  expiresAt: string | null;
}

export interface StockLine {
  skuId: string;
  quantity: number;
}

export interface ReleaseOptions {
  tx?: Transaction;
  reason?: string;
  operator?: string;
}

export interface TransferOptions {
  /** The caller's transaction: the holds move with the order that replaces them, or not at all. */
  tx: Transaction;
  /** Only these SKUs' reservations move (default: all of them). */
  skuIds?: string[];
  /** When `to` is a cart: the holds' new lifetime (default CART_HOLD_TTL_SECONDS). Orders: none. */
  ttlSeconds?: number | null;
  operator?: string;
}

/** Who changed stock and why: written into every ledger row of the change. */
export interface ChangedBy {
  operator: string;
  reason: string;
  refType: LedgerRefType;
  refId?: string | null;
}

export interface InitStockItem {
  skuId: string;
  onHand: number;
  lowStockThreshold?: number;
}

export interface AdjustRequest {
  skuId: string;
  mode: AdjustMode;
  quantity: number;
  reason: string;
  idempotencyKey: string;
  /** The admin's user id: the idempotency scope and the ledger's operator. */
  operator: string;
}

export interface AdjustManyRequest {
  items: { skuId: string; mode: AdjustMode; quantity: number }[];
  reason: string;
  idempotencyKey: string;
  /** The admin's user id: the idempotency scope and the ledger's operator. */
  operator: string;
}

export interface SetThresholdRequest {
  skuId: string;
  threshold: number;
  operator: string;
}

/** A stock row as read under its row lock. */
export interface StockRow {
  skuId: string;
  onHand: number;
  reserved: number;
  threshold: number;
}

export interface LedgerRow {
  id: string;
  skuId: string;
  type: LedgerType;
  quantity: number;
  onHandBefore: number;
  onHandAfter: number;
  reservedBefore: number;
  reservedAfter: number;
  operator: string;
  reason: string | null;
  refType: LedgerRefType;
  refId: string | null;
}

/** An existing reservation row, as read under its SKU's stock lock. */
export interface ReservationRow {
  id: string;
  ownerType: OwnerType;
  ownerId: string;
  skuId: string;
  quantity: number;
  expiresAt: Date | null;
}

export const refTypeOf = (owner: Owner): LedgerRefType => (owner.type === 'cart' ? 'CART' : 'ORDER');
export const ownerKey = (type: string, id: string, skuId: string) => `${type}\u0000${id}\u0000${skuId}`;
