import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Notification } from './0001-notification';

export const notificationMigrations: ModuleMigrations = {
  module: 'notification',
  migrations: [m0001Notification],
};
