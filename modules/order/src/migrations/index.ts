import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Order } from './0001-order';

export const orderMigrations: ModuleMigrations = { module: 'order', migrations: [m0001Order] };
