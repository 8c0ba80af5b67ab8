import { z } from 'zod';

/** Event types; the NATS subject is `<NATS_SUBJECT_PREFIX>.<type>` (API.md, Events). */
export const EVENTS = {
  catalog: {
    productPublished: 'catalog.product_published',
    productUnpublished: 'catalog.product_unpublished',
    priceChanged: 'catalog.price_changed',
  },
  inventory: {
    reserved: 'inventory.reserved',
    released: 'inventory.released',
    deducted: 'inventory.deducted',
    adjusted: 'inventory.adjusted',
    lowStock: 'inventory.low_stock',
  },
  cart: { changed: 'cart.changed' },
  order: {
    created: 'order.created',
    paid: 'order.paid',
    cancelled: 'order.cancelled',
    shipped: 'order.shipped',
    completed: 'order.completed',
    refunded: 'order.refunded',
  },
  payment: {
    succeeded: 'payment.succeeded',
    failed: 'payment.failed',
    refunded: 'payment.refunded',
  },
  identity: {
    userRegistered: 'identity.user_registered',
  },
} as const;

type Leaves<T> = T extends string ? T : { [K in keyof T]: Leaves<T[K]> }[keyof T];
export type EventType = Leaves<typeof EVENTS>;
export const EVENT_TYPES = Object.values(EVENTS).flatMap((g) => Object.values(g)) as EventType[];

/** The envelope every event travels in; `version` is the payload's schema version. */
export const EventEnvelope = z.object({
  id: z.string().uuid(),
  type: z.string().min(1),
  occurredAt: z.string(),
  aggregateId: z.string(),
  version: z.number().int().positive(),
  data: z.unknown(),
});
export type EventEnvelope<T = unknown> = Omit<z.infer<typeof EventEnvelope>, 'data'> & { data: T };

export function eventSubject(prefix: string, type: string): string {
  return `${prefix}.${type}`;
}

export const DEFAULT_SUBJECT_PREFIX = 'zjmall';
export const DEFAULT_STREAM = 'ZJMALL';

// Payload schemas, one per event that other services may consume.
export const UserRegisteredV1 = z.object({ userId: z.string(), email: z.string() });
export type UserRegisteredV1 = z.infer<typeof UserRegisteredV1>;
