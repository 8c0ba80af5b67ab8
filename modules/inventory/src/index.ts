// inventory's public surface: nothing else is imported from outside this module.
export { createInventoryService } from './inventory.service';
export type { InventoryService, InventoryServiceDeps } from './inventory.service';
export { createInventoryRouter } from './inventory.router';
export type { InventoryRouter } from './inventory.router';
export { createInventorySweeper } from './sweeper';
export type { InventorySweeper } from './sweeper';
export { inventoryModels } from './models';
export { inventoryMigrations } from './migrations';
export { DEFAULT_LOW_STOCK_THRESHOLD, stockStatus } from './views';
export type { OwnerLines } from './holds';
export type { InventoryTestHooks } from './reserve';
export type {
  AdjustManyRequest,
  AdjustRequest,
  ChangedBy,
  InitStockItem,
  Owner,
  OwnerType,
  ReleaseOptions,
  ReserveLine,
  ReserveOptions,
  ReserveResult,
  ReservedLine,
  SetThresholdRequest,
  StockLine,
  TransferOptions,
} from './types';
