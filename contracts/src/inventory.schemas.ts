import { z } from 'zod';
import { Id, IdempotencyKey, Limit, SafeString, safeChars } from './common.schemas';

// ---- building blocks -------------------------------------------------------------------------

/** in_stock: available > threshold · low_stock: 0 < available ≤ threshold · out_of_stock: available ≤ 0. */
export const StockStatus = z.enum(['in_stock', 'low_stock', 'out_of_stock']);
export type StockStatus = z.infer<typeof StockStatus>;

/** Stock counts: non-negative integers (BIGINT in the database, safe JS integers on the wire). */
const Count = z.number().int().min(0);
/** What an operator may type as a stock figure or threshold. */
const StockQuantity = z.number().int().min(0).max(1_000_000_000);

/** What the public sees: available and a status, never on-hand or reserved counts. */
export const PublicStock = z.object({ skuId: z.string(), available: Count, status: StockStatus });
export type PublicStock = z.infer<typeof PublicStock>;

/** What an admin sees. */
export const AdminStock = z.object({
  skuId: z.string(),
  onHand: Count,
  reserved: Count,
  available: Count,
  lowStockThreshold: Count,
  status: StockStatus,
  updatedAt: z.string(),
});
export type AdminStock = z.infer<typeof AdminStock>;

/** An inventory page cursor: opaque to clients (32 hex characters). */
export const InventoryCursor = SafeString.regex(/^[0-9a-f]{32}$/, 'not a cursor from this list');

export const LedgerType = z.enum(['IN', 'OUT', 'RESERVE', 'RELEASE', 'ADJUST']);
export type LedgerType = z.infer<typeof LedgerType>;
export const LedgerRefType = z.enum(['ORDER', 'CART', 'MANUAL', 'IMPORT']);
export type LedgerRefType = z.infer<typeof LedgerRefType>;

/** One ledger row (docs/api.md, inventory); `quantity` is the size of the change. */
export const LedgerEntry = z.object({
  id: z.string(),
  skuId: z.string(),
  type: LedgerType,
  quantity: Count,
  onHandBefore: Count,
  onHandAfter: Count,
  reservedBefore: Count,
  reservedAfter: Count,
  operator: z.string(),
  reason: z.string().nullable(),
  refType: LedgerRefType,
  refId: z.string().nullable(),
  createdAt: z.string(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

// ---- procedures ------------------------------------------------------------------------------

export const InventoryGetInput = z.object({ skuId: Id });
export type InventoryGetInput = z.infer<typeof InventoryGetInput>;

export const InventoryGetManyInput = z.object({ skuIds: z.array(Id).min(1).max(200) });
export type InventoryGetManyInput = z.infer<typeof InventoryGetManyInput>;

export const AdjustMode = z.enum(['ADD', 'SUBTRACT', 'SET']);
export type AdjustMode = z.infer<typeof AdjustMode>;

export const InventoryReason = SafeString.trim().min(1).max(200);

export const InventoryAdjustInput = z
  .object({
    skuId: Id,
    mode: AdjustMode,
    quantity: StockQuantity,
    reason: InventoryReason,
    idempotencyKey: IdempotencyKey,
  })
  .refine((v) => v.mode === 'SET' || v.quantity >= 1, {
    path: ['quantity'],
    message: 'ADD and SUBTRACT need a quantity of at least 1',
  });
export type InventoryAdjustInput = z.infer<typeof InventoryAdjustInput>;

export const InventoryAdjustManyItem = z
  .object({ skuId: Id, mode: AdjustMode, quantity: StockQuantity })
  .refine((v) => v.mode === 'SET' || v.quantity >= 1, {
    path: ['quantity'],
    message: 'ADD and SUBTRACT need a quantity of at least 1',
  });
export type InventoryAdjustManyItem = z.infer<typeof InventoryAdjustManyItem>;

/** `inventory.admin.adjustMany`: all or nothing, once per idempotency key; each SKU at most once. */
export const InventoryAdjustManyInput = z.object({
  items: z
    .array(InventoryAdjustManyItem)
    .min(1)
    .max(200)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        if (seen.has(item.skuId))
          ctx.addIssue({ code: 'custom', path: [i, 'skuId'], message: 'this SKU is already in the batch' });
        seen.add(item.skuId);
      });
    }),
  reason: InventoryReason,
  idempotencyKey: IdempotencyKey,
});
export type InventoryAdjustManyInput = z.infer<typeof InventoryAdjustManyInput>;

export const InventorySetThresholdInput = z.object({ skuId: Id, threshold: StockQuantity });
export type InventorySetThresholdInput = z.infer<typeof InventorySetThresholdInput>;

export const InventoryLowStockInput = z.object({ cursor: InventoryCursor.optional(), limit: Limit.optional() });
export type InventoryLowStockInput = z.infer<typeof InventoryLowStockInput>;
export const InventoryLowStockPage = z.object({ items: z.array(AdminStock), nextCursor: z.string().nullable() });
export type InventoryLowStockPage = z.infer<typeof InventoryLowStockPage>;

/** Ledger entries of one SKU, newest first. */
const Instant = z.iso.datetime({ offset: true }).check(safeChars);
export const InventoryTransactionsInput = z.object({
  skuId: Id,
  /** Only these kinds of movement (default: all). */
  types: z.array(LedgerType).min(1).max(5).optional(),
  /** Rows created at or after `from`, and before `to` (ISO-8601 instants). */
  from: Instant.optional(),
  to: Instant.optional(),
  cursor: InventoryCursor.optional(),
  limit: Limit.optional(),
});
export type InventoryTransactionsInput = z.infer<typeof InventoryTransactionsInput>;
export const InventoryTransactionsPage = z.object({ items: z.array(LedgerEntry), nextCursor: z.string().nullable() });
export type InventoryTransactionsPage = z.infer<typeof InventoryTransactionsPage>;

export const ReleaseExpiredOutput = z.object({ released: Count });
export type ReleaseExpiredOutput = z.infer<typeof ReleaseExpiredOutput>;

/** A SKU whose counts disagree with its ledger or its active reservations. */
export const StockMismatch = z.object({
  skuId: z.string(),
  onHand: z.number().int(),
  ledgerOnHand: z.number().int(),
  reserved: z.number().int(),
  ledgerReserved: z.number().int(),
  activeReserved: z.number().int(),
  /** Ledger rows whose quantity does not match their own before/after figures. */
  inconsistentLedgerRows: z.number().int(),
});
export type StockMismatch = z.infer<typeof StockMismatch>;

export const InventoryAuditReport = z.object({
  checkedSkus: Count,
  mismatchCount: Count,
  /** At most 1,000 of them. */
  mismatches: z.array(StockMismatch),
  checkedAt: z.string(),
});
export type InventoryAuditReport = z.infer<typeof InventoryAuditReport>;

// ---- events (EVENTS.inventory.*; payload schema version 1) ------------------------------------

export const INVENTORY_EVENT_VERSION = 1;

export const ReservationOwnerType = z.enum(['cart', 'order']);
export type ReservationOwnerType = z.infer<typeof ReservationOwnerType>;
export const ReservationOwner = z.object({ type: ReservationOwnerType, id: z.string() });
export type ReservationOwner = z.infer<typeof ReservationOwner>;

/** `inventory.reserved`: an owner's reservations were set; `quantity` is the new total, `delta` the change. */
export const InventoryReservedV1 = z.object({
  owner: ReservationOwner,
  lines: z.array(z.object({ skuId: z.string(), quantity: Count, delta: z.number().int() })),
  expiresAt: z.string().nullable(),
  /** Set when the reservations were moved from another owner (cart holds at checkout). */
  transferredFrom: ReservationOwner.optional(),
});
export type InventoryReservedV1 = z.infer<typeof InventoryReservedV1>;

export const ReleaseReason = z.enum(['released', 'expired', 'transferred']);
export type ReleaseReason = z.infer<typeof ReleaseReason>;

/** `inventory.released`: reservations ended without being consumed. */
export const InventoryReleasedV1 = z.object({
  owner: ReservationOwner,
  lines: z.array(z.object({ skuId: z.string(), quantity: Count })),
  reason: ReleaseReason,
  /** The caller's words, e.g. `order cancelled`. */
  note: z.string().nullable().optional(),
  /** Set when reason = transferred. */
  transferredTo: ReservationOwner.optional(),
});
export type InventoryReleasedV1 = z.infer<typeof InventoryReleasedV1>;

/** `inventory.deducted`: an owner's reservations were consumed (payment): on hand and reserved fell together. */
export const InventoryDeductedV1 = z.object({
  owner: ReservationOwner,
  lines: z.array(z.object({ skuId: z.string(), quantity: Count })),
});
export type InventoryDeductedV1 = z.infer<typeof InventoryDeductedV1>;

/** `inventory.adjusted`: on hand changed outside a sale: an admin adjustment, initial stock, or a refund's return. */
export const InventoryAdjustedV1 = z.object({
  skuId: z.string(),
  source: z.enum(['adjust', 'init', 'return']),
  mode: AdjustMode.optional(),
  onHandBefore: Count,
  onHandAfter: Count,
  reserved: Count,
  available: Count,
  operator: z.string(),
  reason: z.string().nullable(),
  refType: LedgerRefType,
  refId: z.string().nullable(),
});
export type InventoryAdjustedV1 = z.infer<typeof InventoryAdjustedV1>;

/** `inventory.low_stock`: available fell to or below the SKU's threshold (it was above it before). */
export const InventoryLowStockV1 = z.object({ skuId: z.string(), available: Count, threshold: Count, onHand: Count });
export type InventoryLowStockV1 = z.infer<typeof InventoryLowStockV1>;
