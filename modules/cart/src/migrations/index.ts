import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Cart } from './0001-cart';
import { m0002CartCoupon } from './0002-cart-coupon';

export const cartMigrations: ModuleMigrations = { module: 'cart', migrations: [m0001Cart, m0002CartCoupon] };
