// notification's public surface: nothing else is imported from outside this module.
export { createNotificationService } from './notification.service';
export type { NotificationService, NotificationServiceDeps } from './notification.service';
export { createNotificationRouter } from './notification.router';
export type { NotificationRouter } from './notification.router';
export { notificationMigrations } from './migrations';
