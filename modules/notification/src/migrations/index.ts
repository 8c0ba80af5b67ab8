import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Notification } from './0001-notification';
import { m0002WebhookFirstAttempt } from './0002-webhook-first-attempt';

export const notificationMigrations: ModuleMigrations = {
  module: 'notification',
  migrations: [m0001Notification, m0002WebhookFirstAttempt],
};
