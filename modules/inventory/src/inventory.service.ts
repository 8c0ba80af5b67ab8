import type { Transaction } from 'sequelize';
import type {
  AdminStock,
  InventoryAuditReport,
  InventoryLowStockInput,
  InventoryLowStockPage,
  InventoryTransactionsInput,
  InventoryTransactionsPage,
  PublicStock,
} from '@zjmall/contracts';
import {
  DomainError,
  type Settled,
  type Bus,
  type Cache,
  type Config,
  type Db,
  type Locks,
  type Logger,
  type Outbox,
  type Stamp,
} from '@zjmall/platform';
import { createExpirySweep } from './expiry';
import { createHolds, type OwnerLines } from './holds';
import { createStockCache } from './inventory.cache';
import { inventoryModels } from './models';
import { createReserver, type InventoryTestHooks } from './reserve';
import { createStockAdmin } from './stock-admin';
import { createStockQueries } from './stock-queries';
import type {
  AdjustManyRequest,
  AdjustRequest,
  ChangedBy,
  InitStockItem,
  Owner,
  ReleaseOptions,
  ReserveLine,
  ReserveOptions,
  ReserveResult,
  SetThresholdRequest,
  StockLine,
  TransferOptions,
} from './types';

export interface InventoryServiceDeps {
  /** A Db that has `inventoryModels` added (`db.addModels(inventoryModels)`). */
  db: Db;
  outbox: Outbox;
  locks: Locks;
  cache: Cache;
  /** Not used yet: events leave through the outbox. Accepted so `createInventoryService(platform)` works. */
  bus?: Bus;
  config: Pick<Config, 'CART_HOLD_TTL_SECONDS'>;
  log: Logger;
  /** Tuning and test seams; production passes none. */
  options?: {
    /** Requests per coalesced reservation batch (default 256). */
    maxBatch?: number;
    /** Coalesced batches in flight at once (default 4). */
    maxInFlight?: number;
    /** Reservation lock lifetime if its holder stalls (ms; default the platform's 5 s). */
    lockTtlMs?: number;
    hooks?: InventoryTestHooks;
  };
}

export interface InventoryService {
  // ---- reads ----
  /** Public stock of many SKUs (cached); unknown SKUs are left out. Inside a transaction, pass it (misses are read in it). */
  getPublic(skuIds: string[], opts?: { transaction?: Transaction }): Promise<PublicStock[]>;
  /** getPublic with a stamp of the cache entries it read (null unless all were in memory): cart reads reuse their view while it holds. */
  getPublicStamped(skuIds: string[]): Promise<{ stock: PublicStock[]; stamp: Stamp | null }>;
  /** Public stock of one SKU; SKU_NOT_FOUND if it has none. */
  getPublicOne(skuId: string): Promise<PublicStock>;
  /** Full counts (not cached); unknown SKUs are left out. */
  getAdmin(skuIds: string[]): Promise<AdminStock[]>;
  getAdminOne(skuId: string): Promise<AdminStock>;

  // ---- reservations ----
  /** Sets the owner's reservations of these SKUs (all or nothing): INSUFFICIENT_STOCK / SKU_NOT_FOUND. */
  reserve(owner: Owner, lines: ReserveLine[], opts?: ReserveOptions): Promise<ReserveResult>;
  /**
   * Several owners' reserve calls in the caller's transaction, decided each on its own (cart adds
   * batched across carts), plus the public stock of their SKUs as the transaction leaves them.
   */
  reserveEach(
    requests: { owner: Owner; lines: ReserveLine[]; ttlSeconds?: number }[],
    opts: { tx: Transaction; operator?: string },
  ): Promise<{ outcomes: Settled<ReserveResult>[]; stock: PublicStock[] }>;
  /**
   * In the caller's transaction: `from`'s holds of these SKUs move to `to`, then `to` is reserved up
   * to the lines' quantities (all or nothing) — under one Redlock acquisition taken before any stock
   * row lock (checkout: the cart's holds become the order's).
   */
  reserveFrom(
    from: Owner,
    to: Owner,
    lines: ReserveLine[],
    opts: { tx: Transaction; operator?: string },
  ): Promise<{ moved: OwnerLines; reserved: ReserveResult | null }>;
  /** Releases the owner's active reservations (of `skuIds`, or all). */
  release(owner: Owner, skuIds?: string[], opts?: ReleaseOptions): Promise<OwnerLines>;
  /** Cart holds: expire ttlSeconds from now (database clock). */
  extend(owner: Owner, ttlSeconds: number): Promise<{ extended: number; expiresAt: string | null }>;
  /** At payment, in the caller's transaction: on hand and reserved fall; ledger OUT; `deducted`. */
  consume(owner: Owner, tx: Transaction): Promise<OwnerLines>;
  /** Moves reservations between owners in the caller's transaction; reserved never dips. */
  transfer(from: Owner, to: Owner, opts: TransferOptions): Promise<OwnerLines>;
  /** The sweeper: releases cart holds that expired (database clock); safe with several sweepers. */
  releaseExpired(): Promise<{ released: number }>;

  // ---- stock in and out ----
  /** Creates stock rows in the caller's transaction (ledger IN); existing SKUs are left alone. */
  initStock(tx: Transaction, items: InitStockItem[], by: ChangedBy): Promise<{ created: string[] }>;
  /** Refunded items back on hand, in the caller's transaction (ledger IN). */
  returnStock(tx: Transaction, items: StockLine[], by: ChangedBy): Promise<void>;

  // ---- admin ----
  adjust(req: AdjustRequest): Promise<AdminStock>;
  /** All or nothing, one ledger row per item; the views in the order of `items`. */
  adjustMany(req: AdjustManyRequest): Promise<AdminStock[]>;
  setThreshold(req: SetThresholdRequest): Promise<AdminStock>;
  lowStock(input: InventoryLowStockInput): Promise<InventoryLowStockPage>;
  transactions(input: InventoryTransactionsInput): Promise<InventoryTransactionsPage>;
  audit(): Promise<InventoryAuditReport>;
}

export function createInventoryService(deps: InventoryServiceDeps): InventoryService {
  const { db, outbox, locks, cache, log, config } = deps;
  if (inventoryModels.some((m) => m.sequelize !== db)) {
    throw new Error('createInventoryService: call db.addModels(inventoryModels) on this Db first');
  }
  // CART_HOLD_TTL_SECONDS=0 means the cart takes no holds; a hold asked for anyway gets the default.
  const defaultHoldTtlSeconds = config.CART_HOLD_TTL_SECONDS > 0 ? config.CART_HOLD_TTL_SECONDS : 1800;
  const stockCache = createStockCache({ cache, db, log });
  const holds = createHolds({ db, outbox, stockCache, defaultHoldTtlSeconds });
  const reserver = createReserver({
    db,
    transfer: holds.transfer,
    outbox,
    locks,
    stockCache,
    defaultHoldTtlSeconds,
    maxBatch: deps.options?.maxBatch,
    maxInFlight: deps.options?.maxInFlight,
    lockTtlMs: deps.options?.lockTtlMs,
    hooks: deps.options?.hooks,
  });
  const sweep = createExpirySweep({ db, outbox, stockCache, log });
  const admin = createStockAdmin({ db, outbox, stockCache });
  const queries = createStockQueries({ db });
  const notFound = (skuId: string) => new DomainError('SKU_NOT_FOUND', 'Unknown SKU', { skuId });

  return {
    getPublic: stockCache.getPublic,
    getPublicStamped: stockCache.getPublicStamped,
    async getPublicOne(skuId) {
      const [s] = await stockCache.getPublic([skuId]);
      if (!s) throw notFound(skuId);
      return s;
    },
    getAdmin: queries.getAdmin,
    async getAdminOne(skuId) {
      const [s] = await queries.getAdmin([skuId]);
      if (!s) throw notFound(skuId);
      return s;
    },
    reserve: reserver.reserve,
    reserveEach: reserver.reserveEach,
    reserveFrom: reserver.reserveFrom,
    release: holds.release,
    extend: holds.extend,
    consume: holds.consume,
    transfer: holds.transfer,
    releaseExpired: sweep.releaseExpired,
    initStock: admin.initStock,
    returnStock: admin.returnStock,
    adjust: admin.adjust,
    adjustMany: admin.adjustMany,
    setThreshold: admin.setThreshold,
    lowStock: queries.lowStock,
    transactions: queries.transactions,
    audit: queries.audit,
  };
}
