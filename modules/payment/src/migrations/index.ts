import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Payment } from './0001-payment';

export const paymentMigrations: ModuleMigrations = { module: 'payment', migrations: [m0001Payment] };
