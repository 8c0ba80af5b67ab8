import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Catalog } from './0001-catalog';
import { m0002Promotions } from './0002-promotions';
import { m0003Sales } from './0003-sales';
import { m0004PurchaseLimits } from './0004-purchase-limits';
import { m0005PriceChangedAt } from './0005-price-changed-at';

export const catalogMigrations: ModuleMigrations = {
  module: 'catalog',
  migrations: [m0001Catalog, m0002Promotions, m0003Sales, m0004PurchaseLimits, m0005PriceChangedAt],
};
