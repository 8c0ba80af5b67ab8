// catalog's public surface: nothing else is imported from outside this module.
export { createCatalogService } from './catalog.service';
export type { CatalogService, CatalogServiceDeps } from './catalog.service';
export { createCatalogRouter } from './catalog.router';
export type { CatalogRouter } from './catalog.router';
export type { CatalogOptions } from './catalog.cache';
export type { CatalogInventoryPort, StockOrigin } from './inventory-port';
export type { SkuView } from './sku-views.query';
export type { PriceChange, PriceOrigin } from './prices.handler';
export { catalogModels } from './models';
export { catalogMigrations } from './migrations';
export { DEFAULT_SEED_PRODUCTS, seedCatalog } from './seed/seed-catalog';
export { progressBar } from './seed/progress';
export type { SeedCatalogOptions, SeedReport, SeedProgress } from './seed/seed-catalog';
export { createCatalogPricingFeed } from './pricing-feed';
export type { CatalogPricingFeed, PricingFeedDeps, PricingFeedRow } from './pricing-feed';
export { createPromotionSweeper } from './promotion-sweeper';
export type { PromotionSweeper, PromotionSweeperDeps } from './promotion-sweeper';
