import {
  NotificationListInput,
  NotificationMarkReadInput,
  NotificationMarkReadOutput,
  NotificationNews,
  NotificationOnNewInput,
  NotificationPage,
  NotificationUnreadCount,
  Webhook,
  WebhookCreated,
  WebhookCreateInput,
  WebhookDeliveriesInput,
  WebhookDeliveryPage,
  WebhookIdInput,
  WebhookUpdateInput,
} from '@zjmall/contracts';
import { z } from 'zod';
import { adminProcedure, router, userProcedure } from '@zjmall/platform';
import type { NotificationService } from './notification.service';

/** `notification.*` for modules/api's appRouter. Routers wire, the service decides. */
export function createNotificationRouter(svc: NotificationService) {
  const hooks = svc.webhooks;
  const admin = router({
    createWebhook: adminProcedure
      .input(WebhookCreateInput)
      .output(WebhookCreated)
      .mutation(({ input }) => hooks.create(input)),
    listWebhooks: adminProcedure.output(z.array(Webhook)).query(() => hooks.list()),
    updateWebhook: adminProcedure
      .input(WebhookUpdateInput)
      .output(Webhook)
      .mutation(({ input }) => hooks.update(input)),
    deleteWebhook: adminProcedure
      .input(WebhookIdInput)
      .output(z.object({ id: z.string(), deleted: z.literal(true) }))
      .mutation(({ input }) => hooks.remove(input.id)),
    deliveries: adminProcedure
      .input(WebhookDeliveriesInput)
      .output(WebhookDeliveryPage)
      .query(({ input }) => hooks.deliveries(input)),
  });
  return router({
    admin,
    list: userProcedure
      .input(NotificationListInput)
      .meta({ output: NotificationPage })
      .query(({ ctx, input }) => svc.list(ctx.user, input)),
    unreadCount: userProcedure.output(NotificationUnreadCount).query(({ ctx }) => svc.unreadCount(ctx.user)),
    markRead: userProcedure
      .input(NotificationMarkReadInput)
      .output(NotificationMarkReadOutput)
      .mutation(({ ctx, input }) => svc.markRead(ctx.user, input)),
    /** The caller's unread count, then each new entry as it is made, with the count (SSE). */
    onNew: userProcedure
      .input(NotificationOnNewInput)
      .meta({ output: NotificationNews })
      .subscription(({ ctx, input, signal }) => svc.onNew(ctx.user, input?.locale, signal)),
  });
}

export type NotificationRouter = ReturnType<typeof createNotificationRouter>;
