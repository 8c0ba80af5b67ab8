import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Payment } from './0001-payment';
import { m0002PaymentReturnUrl } from './0002-payment-return-url';
import { m0003PaymentChannels } from './0003-payment-channels';

export const paymentMigrations: ModuleMigrations = {
  module: 'payment',
  migrations: [m0001Payment, m0002PaymentReturnUrl, m0003PaymentChannels],
};
