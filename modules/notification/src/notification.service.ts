import type { Bus, Config, Db, DurableHandler, Logger } from '@zjmall/platform';
import { isDomainError } from '@zjmall/platform';
import { createInboxService } from './inbox.service';
import { inboxHandler } from './inbox.subscriber';
import { createAlertSweeper, staffAlertHandler } from './alerts';
import { createWebhookDeliverer } from './webhooks/deliverer';
import { webhookFanoutHandler } from './webhooks/fanout.subscriber';
import { createWebhookStore } from './webhooks/webhook.store';

/** What notification needs from the modules below it (wired in modules/api). */
export interface NotificationServiceDeps {
  db: Db;
  bus: Bus;
  log: Logger;
  config: Pick<
    Config,
    | 'STORE_CURRENCY'
    | 'STORE_TIMEZONE'
    | 'STORE_LOCALE'
    | 'WEBHOOK_TIMEOUT_SECONDS'
    | 'WEBHOOK_RETRY_HOURS'
    | 'WEBHOOK_ALLOW_PRIVATE'
  >;
  cart: { holdersOf(skuIds: readonly string[]): Promise<{ userId: string; skuId: string }[]> };
  order: {
    admin: {
      get(id: string): Promise<{ userId: string; orderNo: string }>;
      expiringUnpaid(
        withinSeconds: number,
        limit?: number,
      ): Promise<{ id: string; orderNo: string; expiresAt: string }[]>;
    };
  };
}

export function createNotificationService(deps: NotificationServiceDeps) {
  const { db, bus, config } = deps;
  const inbox = createInboxService({ db, bus, config });
  const handlers: DurableHandler[] = [
    inboxHandler({
      db,
      bus,
      timeZone: config.STORE_TIMEZONE,
      ports: {
        holdersOf: (skuIds) => deps.cart.holdersOf(skuIds),
        async orderOwner(orderId) {
          try {
            const o = await deps.order.admin.get(orderId);
            return { userId: o.userId, orderNo: o.orderNo };
          } catch (e) {
            if (isDomainError(e) && e.appCode === 'ORDER_NOT_FOUND') return null;
            throw e;
          }
        },
      },
    }),
    staffAlertHandler({ db, bus }),
    webhookFanoutHandler(db),
  ];
  const webhooks = createWebhookStore({ db, allowPrivate: () => config.WEBHOOK_ALLOW_PRIVATE });
  const sweeper = createAlertSweeper({
    db,
    bus,
    ports: { expiringUnpaid: (within, limit) => deps.order.admin.expiringUnpaid(within, limit) },
  });
  return {
    ...inbox,
    /** The durable consumers (modules/api's jobs register them). */
    durableHandlers: (): DurableHandler[] => handlers,
    /** Staff alerts without an event: unpaid orders about to expire, dead letters (a periodic job). */
    sweepAlerts: sweeper.runOnce,
    /** notification.admin.*: outgoing webhooks and their delivery log. */
    webhooks,
    /** The sender of webhook deliveries (modules/api's jobs start one per process). */
    createWebhookDeliverer: () =>
      createWebhookDeliverer({
        db,
        log: deps.log,
        timeoutSeconds: config.WEBHOOK_TIMEOUT_SECONDS,
        retryHours: config.WEBHOOK_RETRY_HOURS,
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      }),
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
