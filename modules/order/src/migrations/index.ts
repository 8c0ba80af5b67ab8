import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Order } from './0001-order';
import { m0002RefundStatus } from './0002-refund-status';

export const orderMigrations: ModuleMigrations = { module: 'order', migrations: [m0001Order, m0002RefundStatus] };
