import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Pricing } from './0001-pricing';

/** After platform's, inventory's and catalog's. */
export const pricingMigrations: ModuleMigrations = { module: 'pricing', migrations: [m0001Pricing] };
