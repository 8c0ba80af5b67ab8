import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Cart } from './0001-cart';

export const cartMigrations: ModuleMigrations = { module: 'cart', migrations: [m0001Cart] };
