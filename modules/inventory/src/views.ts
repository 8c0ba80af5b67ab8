import type { AdminStock, LedgerEntry, StockStatus } from '@zjmall/contracts';
import type { LedgerRow } from './types';

/** The threshold a SKU gets when none is given. */
export const DEFAULT_LOW_STOCK_THRESHOLD = 10;

export function stockStatus(available: number, threshold: number): StockStatus {
  if (available <= 0) return 'out_of_stock';
  return available <= threshold ? 'low_stock' : 'in_stock';
}

export function toAdminStock(r: {
  skuId: string;
  onHand: number;
  reserved: number;
  lowStockThreshold: number;
  updatedAt: Date;
}): AdminStock {
  const available = r.onHand - r.reserved;
  return {
    skuId: r.skuId,
    onHand: r.onHand,
    reserved: r.reserved,
    available,
    lowStockThreshold: r.lowStockThreshold,
    status: stockStatus(available, r.lowStockThreshold),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function toLedgerEntry(r: LedgerRow & { createdAt: Date }): LedgerEntry {
  return {
    id: r.id,
    skuId: r.skuId,
    type: r.type,
    quantity: r.quantity,
    onHandBefore: r.onHandBefore,
    onHandAfter: r.onHandAfter,
    reservedBefore: r.reservedBefore,
    reservedAfter: r.reservedAfter,
    operator: r.operator,
    reason: r.reason,
    refType: r.refType,
    refId: r.refId,
    createdAt: r.createdAt.toISOString(),
  };
}

// Cursors are opaque to clients (InventoryCursor: 32 hex characters): a row's uuid without dashes.
export const encodeCursor = (uuid: string): string => uuid.replace(/-/g, '');
export const decodeCursor = (cursor: string): string =>
  `${cursor.slice(0, 8)}-${cursor.slice(8, 12)}-${cursor.slice(12, 16)}-${cursor.slice(16, 20)}-${cursor.slice(20)}`;
