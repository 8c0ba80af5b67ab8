import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Pricing } from './0001-pricing';
import { m0002Promotions } from './0002-promotions';
import { m0003Coupons } from './0003-coupons';
import { m0004CouponDisable } from './0004-coupon-disable';

/** After platform's, inventory's and catalog's. */
export const pricingMigrations: ModuleMigrations = {
  module: 'pricing',
  migrations: [m0001Pricing, m0002Promotions, m0003Coupons, m0004CouponDisable],
};
