import {
  NotificationListInput,
  NotificationMarkReadInput,
  NotificationMarkReadOutput,
  NotificationNews,
  NotificationOnNewInput,
  NotificationPage,
  NotificationUnreadCount,
} from '@zjmall/contracts';
import { router, userProcedure } from '@zjmall/platform';
import type { NotificationService } from './notification.service';

/** `notification.*` for modules/api's appRouter. Routers wire, the service decides. */
export function createNotificationRouter(svc: NotificationService) {
  return router({
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
