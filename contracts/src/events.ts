import { z } from 'zod';
import { PriceChangedV1, ProductPublishedV1, ProductUnpublishedV1 } from './catalog.schemas';
import {
  InventoryAdjustedV1,
  InventoryDeductedV1,
  InventoryLowStockV1,
  InventoryReleasedV1,
  InventoryReservedV1,
} from './inventory.schemas';
import { CartChangedV1 } from './cart.schemas';
import {
  OrderCancelledV1,
  OrderCompletedV1,
  OrderCreatedV1,
  OrderPaidV1,
  OrderRefundedV2,
  OrderShippedV1,
} from './order.schemas';
import { PaymentAmountMismatchV1, PaymentFailedV1, PaymentRefundedV1, PaymentSucceededV1 } from './payment.schemas';

/** Event types; the NATS subject is `<NATS_SUBJECT_PREFIX>.<type>` (docs/api.md, Events). */
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
    amountMismatch: 'payment.amount_mismatch',
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

// ---- the catalogue of subjects for other services (README.md, "Events for other services") ----

/** What a consumer needs to know about one event type. */
export interface EventSpec {
  /** The envelope's `version` these events are published with (the payload schema version). */
  readonly version: number;
  /** The exported name of the payload schema in `@zjmall/contracts`. */
  readonly schemaName: string;
  /** The zod schema of the envelope's `data`. */
  readonly schema: z.ZodType;
  /** What the envelope's `aggregateId` is. */
  readonly aggregate: string;
}

/**
 * Every event type with its current payload schema. Subject = `eventSubject(NATS_SUBJECT_PREFIX, type)`.
 * A breaking payload change gets a new `…V2` schema and version; additive fields keep the version.
 */
export const EVENT_CATALOG = {
  'catalog.product_published': {
    version: 1,
    schemaName: 'ProductPublishedV1',
    schema: ProductPublishedV1,
    aggregate: 'product id',
  },
  'catalog.product_unpublished': {
    version: 1,
    schemaName: 'ProductUnpublishedV1',
    schema: ProductUnpublishedV1,
    aggregate: 'product id',
  },
  'catalog.price_changed': {
    version: 1,
    schemaName: 'PriceChangedV1',
    schema: PriceChangedV1,
    aggregate: 'product id',
  },
  'inventory.reserved': {
    version: 1,
    schemaName: 'InventoryReservedV1',
    schema: InventoryReservedV1,
    aggregate: 'reservation owner id (cart or order)',
  },
  'inventory.released': {
    version: 1,
    schemaName: 'InventoryReleasedV1',
    schema: InventoryReleasedV1,
    aggregate: 'reservation owner id (cart or order)',
  },
  'inventory.deducted': {
    version: 1,
    schemaName: 'InventoryDeductedV1',
    schema: InventoryDeductedV1,
    aggregate: 'reservation owner id (order)',
  },
  'inventory.adjusted': {
    version: 1,
    schemaName: 'InventoryAdjustedV1',
    schema: InventoryAdjustedV1,
    aggregate: 'SKU id',
  },
  'inventory.low_stock': {
    version: 1,
    schemaName: 'InventoryLowStockV1',
    schema: InventoryLowStockV1,
    aggregate: 'SKU id',
  },
  'cart.changed': { version: 1, schemaName: 'CartChangedV1', schema: CartChangedV1, aggregate: 'cart id' },
  'order.created': { version: 1, schemaName: 'OrderCreatedV1', schema: OrderCreatedV1, aggregate: 'order id' },
  'order.paid': { version: 1, schemaName: 'OrderPaidV1', schema: OrderPaidV1, aggregate: 'order id' },
  'order.cancelled': { version: 1, schemaName: 'OrderCancelledV1', schema: OrderCancelledV1, aggregate: 'order id' },
  'order.shipped': { version: 1, schemaName: 'OrderShippedV1', schema: OrderShippedV1, aggregate: 'order id' },
  'order.completed': { version: 1, schemaName: 'OrderCompletedV1', schema: OrderCompletedV1, aggregate: 'order id' },
  'order.refunded': { version: 2, schemaName: 'OrderRefundedV2', schema: OrderRefundedV2, aggregate: 'order id' },
  'payment.succeeded': {
    version: 1,
    schemaName: 'PaymentSucceededV1',
    schema: PaymentSucceededV1,
    aggregate: 'payment id',
  },
  'payment.failed': { version: 1, schemaName: 'PaymentFailedV1', schema: PaymentFailedV1, aggregate: 'payment id' },
  'payment.refunded': {
    version: 1,
    schemaName: 'PaymentRefundedV1',
    schema: PaymentRefundedV1,
    aggregate: 'payment id',
  },
  'payment.amount_mismatch': {
    version: 1,
    schemaName: 'PaymentAmountMismatchV1',
    schema: PaymentAmountMismatchV1,
    aggregate: 'payment id',
  },
  'identity.user_registered': {
    version: 1,
    schemaName: 'UserRegisteredV1',
    schema: UserRegisteredV1,
    aggregate: 'user id',
  },
} as const satisfies Record<EventType, EventSpec>;

/** Every subject of the events stream under `prefix`, by event type. */
export function eventSubjects(prefix: string = DEFAULT_SUBJECT_PREFIX): Record<EventType, string> {
  return Object.fromEntries(EVENT_TYPES.map((t) => [t, eventSubject(prefix, t)])) as Record<EventType, string>;
}

/** Parses an envelope's `data` with its type's payload schema; unknown types and other versions give `undefined`. */
export function parseEventData(
  event: EventEnvelope,
): { ok: true; data: unknown } | { ok: false; error: string } | undefined {
  const spec = (EVENT_CATALOG as Record<string, EventSpec>)[event.type];
  if (!spec || spec.version !== event.version) return undefined;
  const r = spec.schema.safeParse(event.data);
  return r.success ? { ok: true, data: r.data } : { ok: false, error: r.error.message };
}
