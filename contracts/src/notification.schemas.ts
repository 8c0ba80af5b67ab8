import { z } from 'zod';
import { Cursor, Id, SafeString } from './common.schemas';

/** Locales the inbox renders its texts in (`STORE_LOCALE` is the default). */
export const NotificationLocale = z.enum(['zh-CN', 'en']);
export type NotificationLocale = z.infer<typeof NotificationLocale>;

/**
 * One inbox entry. `type` is the event type that caused it (`order.paid`, `inventory.low_stock`,
 * `catalog.price_dropped`, …); `data` holds its ids (orderId, orderNo, skuId…); `title` and `body`
 * are rendered when read, in the locale asked for.
 */
export const Notification = z.object({
  id: z.string(),
  type: z.string(),
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
  /** true for a staff alert (every admin sees it; each admin reads it for themself). */
  staff: z.boolean(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type Notification = z.infer<typeof Notification>;

export const NotificationListInput = z
  .object({
    cursor: Cursor.optional(),
    unreadOnly: z.boolean().optional(),
    locale: NotificationLocale.optional(),
    limit: z.number().int().min(1).max(100).optional(),
  })
  .optional();
export type NotificationListInput = z.infer<typeof NotificationListInput>;

export const NotificationPage = z.object({ items: z.array(Notification), nextCursor: z.string().nullable() });
export type NotificationPage = z.infer<typeof NotificationPage>;

export const NotificationUnreadCount = z.object({ count: z.number().int() });
export type NotificationUnreadCount = z.infer<typeof NotificationUnreadCount>;

/** Marks the listed entries read, or all of them (`all: true`); one of the two is required. */
export const NotificationMarkReadInput = z
  .object({ ids: z.array(Id).min(1).max(200).optional(), all: z.literal(true).optional() })
  .refine((v) => (v.ids ? !v.all : v.all === true), { message: 'give either ids or all: true', path: ['ids'] });
export type NotificationMarkReadInput = z.infer<typeof NotificationMarkReadInput>;

export const NotificationMarkReadOutput = z.object({ marked: z.number().int() });
export type NotificationMarkReadOutput = z.infer<typeof NotificationMarkReadOutput>;

/**
 * One `notification.onNew` message: the caller's unread count, and the new entry that changed it
 * (`item: null` in the first message, the state when the stream opened, and after a reconnection of
 * the server to the bus, when entries may have been missed).
 */
export const NotificationNews = z.object({ unreadCount: z.number().int(), item: Notification.nullable() });
export type NotificationNews = z.infer<typeof NotificationNews>;

export const NotificationOnNewInput = z.object({ locale: NotificationLocale.optional() }).optional();
export type NotificationOnNewInput = z.infer<typeof NotificationOnNewInput>;

// ---- outgoing webhooks (admin) -------------------------------------------------------------------

/** An event type (`order.paid`), a prefix pattern (`order.*`) or `*`. */
export const WebhookEventPattern = SafeString.trim().regex(
  /^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))$/,
  'an event type (order.paid), a prefix pattern (order.*) or *',
);

const WebhookUrl = SafeString.trim()
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), 'must be an http(s) URL');

export const WebhookSecret = SafeString.min(16).max(200);

export const WebhookCreateInput = z.object({
  url: WebhookUrl,
  events: z.array(WebhookEventPattern).min(1).max(50),
  /** Default: a random 32-byte secret, returned once here. */
  secret: WebhookSecret.optional(),
});
export type WebhookCreateInput = z.infer<typeof WebhookCreateInput>;

export const WebhookUpdateInput = z.object({
  id: Id,
  url: WebhookUrl.optional(),
  events: z.array(WebhookEventPattern).min(1).max(50).optional(),
  secret: WebhookSecret.optional(),
  active: z.boolean().optional(),
});
export type WebhookUpdateInput = z.infer<typeof WebhookUpdateInput>;

export const WebhookIdInput = z.object({ id: Id });
export type WebhookIdInput = z.infer<typeof WebhookIdInput>;

export const Webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Webhook = z.infer<typeof Webhook>;

export const WebhookCreated = z.object({ id: z.string(), secret: z.string() });
export type WebhookCreated = z.infer<typeof WebhookCreated>;

export const WebhookDeliveriesInput = z.object({ webhookId: Id, cursor: Cursor.optional() });
export type WebhookDeliveriesInput = z.infer<typeof WebhookDeliveriesInput>;

export const WebhookDeliveryStatus = z.enum(['pending', 'succeeded', 'dead']);
export type WebhookDeliveryStatus = z.infer<typeof WebhookDeliveryStatus>;

export const WebhookDelivery = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: WebhookDeliveryStatus,
  attempts: z.number().int(),
  /** HTTP status of the last attempt (null: no answer — refused, timed out, or not tried yet). */
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryPage = z.object({ items: z.array(WebhookDelivery), nextCursor: z.string().nullable() });
export type WebhookDeliveryPage = z.infer<typeof WebhookDeliveryPage>;
