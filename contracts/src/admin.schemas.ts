import { z } from 'zod';

/**
 * One `admin.onActivity` message: an order or payment event as it is published (from any
 * process). `orderId` is the order the event concerns (the aggregate of an order event; the
 * payment's order for a payment event).
 */
export const AdminActivity = z.object({
  /** The event's id (UUIDv7): the same event is never sent twice on one stream. */
  id: z.string(),
  /** `order.created`, `order.paid`, … `payment.succeeded`, `payment.failed`, `payment.refunded`. */
  type: z.string(),
  aggregateId: z.string(),
  orderId: z.string().nullable(),
  /** When the change happened (ISO-8601 UTC). */
  at: z.string(),
});
export type AdminActivity = z.infer<typeof AdminActivity>;
