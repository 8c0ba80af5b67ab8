import type { Transaction } from 'sequelize';
import type { CatalogSku } from '@zjmall/contracts';

export type StockLevel = CatalogSku['stockStatus'];

/** Who creates stock, and why (inventory writes it into the ledger). */
export interface StockOrigin {
  operator: string;
  reason: string;
  refType: 'IMPORT' | 'MANUAL';
  refId?: string;
}

/**
 * What the catalog needs of inventory: `Pick<InventoryService, 'initStock' | 'getPublic'>`.
 * Declared here so the catalog depends on two methods, not on the whole service.
 */
export interface CatalogInventoryPort {
  /** Creates the SKUs' stock rows (and ledger rows) in the caller's transaction. */
  initStock(
    tx: Transaction,
    items: { skuId: string; onHand: number; lowStockThreshold?: number }[],
    by: StockOrigin,
  ): Promise<unknown>;
  /** Public stock of many SKUs in one batched (cached) look-up; a SKU with no stock row may be absent. */
  getPublic(skuIds: string[]): Promise<{ skuId: string; available: number; status: StockLevel }[]>;
}

export interface PublicStock {
  available: number;
  stockStatus: StockLevel;
}

const NO_STOCK: PublicStock = { available: 0, stockStatus: 'out_of_stock' };

/** One batched look-up; a SKU inventory does not know is out of stock. */
export async function stockOf(inventory: CatalogInventoryPort, skuIds: string[]): Promise<(id: string) => PublicStock> {
  if (skuIds.length === 0) return () => NO_STOCK;
  const rows = await inventory.getPublic([...new Set(skuIds)]);
  const byId = new Map(rows.map((r) => [r.skuId, { available: r.available, stockStatus: r.status }]));
  return (id) => byId.get(id) ?? NO_STOCK;
}
