import type { Transaction } from 'sequelize';
import type { PublicStock } from '@zjmall/contracts';
import { createCoalescer, type Db, type Locks, type Outbox, type Settled } from '@zjmall/platform';
import { ChangeSet } from './change-set';
import type { Holds, OwnerLines } from './holds';
import type { StockCache } from './inventory.cache';
import { planReservations, type ReserveOutcome, type ReserveRequest } from './reservation-plan';
import { lockWithReservations, writeChangeSet } from './stock.store';
import type { Owner, ReserveLine, ReserveOptions, ReserveResult } from './types';
import { stockStatus } from './views';

/** Test-only seams; production passes none. */
export interface InventoryTestHooks {
  /** Runs first inside every reservation lock (e.g. to stall past the lock's TTL). */
  insideLock?(signal: AbortSignal): Promise<void> | void;
}

export interface ReserverDeps {
  db: Db;
  outbox: Outbox;
  locks: Locks;
  stockCache: StockCache;
  defaultHoldTtlSeconds: number;
  /** Requests per coalesced batch (default 256). */
  maxBatch?: number;
  /** Coalesced batches running at once, each on its own connection (default 4). */
  maxInFlight?: number;
  /** Moves holds between owners in the caller's transaction (holds.ts; used by reserveFrom). */
  transfer: Holds['transfer'];
  /** Lock lifetime (ms) if its holder stalls; kept alive while it works. Default: the platform's. */
  lockTtlMs?: number;
  hooks?: InventoryTestHooks;
}

export const skuLockKey = (skuId: string) => `sku:${skuId}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LINE_QUANTITY = 1_000_000;

/**
 * The reservation guard: every reservation runs under the Redlock of its SKUs (`sku:<id>`, sorted),
 * locks their stock rows, decides, and writes through the conditional UPDATE (the fence) — so a
 * lock that expires mid-flight still cannot oversell.
 *
 * Standalone single-SKU calls are coalesced: queued per SKU, and drained in batches that one lock
 * acquisition (all the batch's SKUs at once) and one transaction of a handful of statements serve,
 * each request still answered on its own. A hot SKU fills its batches alone; quiet SKUs share.
 */
export function createReserver(deps: ReserverDeps) {
  const { db, outbox, locks, stockCache, hooks } = deps;
  const lockOpts = deps.lockTtlMs ? { ttlMs: deps.lockTtlMs } : undefined;

  /** Locks, reads, decides and writes the requests in `tx`; the caller holds their SKUs' Redlocks. */
  async function execute(
    tx: Transaction,
    requests: ReserveRequest[],
  ): Promise<{ outcomes: ReserveOutcome[]; changed: string[]; cs: ChangeSet }> {
    const skuIds = [...new Set(requests.flatMap((r) => r.lines.map((l) => l.skuId)))].sort();
    const owners = [...new Map(requests.map((r) => [`${r.owner.type}:${r.owner.id}`, r.owner])).values()];
    const { locked, reservations: existing } = await lockWithReservations(db, tx, { skuIds }, owners);
    const cs = new ChangeSet(locked.rows);
    const outcomes = planReservations(cs, existing, requests, locked.now);
    await writeChangeSet(db, outbox, tx, cs);
    return { outcomes, changed: cs.changedSkus(), cs };
  }

  async function guarded<T>(skuIds: string[], fn: () => Promise<T>): Promise<T> {
    return locks.withLocks(
      skuIds.map(skuLockKey),
      async (signal) => {
        // The signal reports a lost lock; the work goes on regardless, because the fence and the
        // row locks, not the Redlock, are what keep stock from being oversold.
        await hooks?.insideLock?.(signal);
        return fn();
      },
      lockOpts,
    );
  }

  const coalescer = createCoalescer<ReserveRequest, ReserveResult>({
    maxBatch: deps.maxBatch ?? 256,
    maxInFlight: deps.maxInFlight ?? 4,
    async run(skuIds, batch): Promise<Settled<ReserveResult>[]> {
      const { outcomes, changed } = await guarded(skuIds, () => db.transaction((tx) => execute(tx, batch)));
      await stockCache.invalidate(changed);
      return outcomes.map((o) => (o.ok ? { ok: true, result: o.result } : { ok: false, error: o.error }));
    },
  });

  function toRequest(owner: Owner, lines: ReserveLine[], opts: ReserveOptions): ReserveRequest {
    if ((owner.type !== 'cart' && owner.type !== 'order') || !UUID.test(owner.id)) {
      throw new TypeError(`reserve: invalid owner ${JSON.stringify(owner)}`);
    }
    if (lines.length === 0) throw new TypeError('reserve: no lines');
    const seen = new Set<string>();
    for (const l of lines) {
      if (!UUID.test(l.skuId)) throw new TypeError(`reserve: invalid skuId ${JSON.stringify(l.skuId)}`);
      if (seen.has(l.skuId)) throw new TypeError(`reserve: SKU ${l.skuId} appears twice`);
      seen.add(l.skuId);
      if (!Number.isInteger(l.quantity) || l.quantity < 0 || l.quantity > MAX_LINE_QUANTITY) {
        throw new TypeError(`reserve: invalid quantity ${l.quantity} for SKU ${l.skuId}`);
      }
    }
    const ttl = opts.ttlSeconds ?? deps.defaultHoldTtlSeconds;
    if (owner.type === 'cart' && !(ttl > 0)) throw new TypeError(`reserve: invalid ttlSeconds ${ttl}`);
    return {
      owner: { type: owner.type, id: owner.id },
      lines: lines.map((l) => ({ skuId: l.skuId, quantity: l.quantity })),
      ttlSeconds: owner.type === 'cart' ? ttl : null,
      operator: opts.operator ?? 'system',
    };
  }

  /** The public answer of the locked SKUs as `cs` leaves them. */
  const publicOf = (cs: ChangeSet, skuIds: string[]): PublicStock[] =>
    skuIds
      .filter((id) => cs.has(id))
      .map((skuId) => {
        const r = cs.row(skuId);
        const available = r.onHand - r.reserved;
        return { skuId, available, status: stockStatus(available, r.threshold) };
      });

  const unwrap = (o: ReserveOutcome): ReserveResult => {
    if (!o.ok) throw o.error;
    return o.result;
  };

  return {
    /**
     * Sets the owner's reservations of these SKUs to the given quantities, all or nothing
     * (INSUFFICIENT_STOCK for the first short SKU; SKU_NOT_FOUND for an unknown one).
     */
    async reserve(owner: Owner, lines: ReserveLine[], opts: ReserveOptions = {}): Promise<ReserveResult> {
      const req = toRequest(owner, lines, opts);
      const skuIds = req.lines.map((l) => l.skuId);
      const { tx } = opts;
      if (tx) {
        // Checkout's one transaction: the row locks last until the caller commits, the cache goes then.
        const { outcomes, changed } = await guarded(skuIds, () => execute(tx, [req]));
        const result = unwrap(outcomes[0]);
        stockCache.invalidateAfterCommit(tx, changed);
        return result;
      }
      if (req.lines.length === 1) return coalescer.submit(skuIds[0], req);
      const { outcomes, changed } = await guarded(skuIds, () => db.transaction((t) => execute(t, [req])));
      const result = unwrap(outcomes[0]);
      await stockCache.invalidate(changed);
      return result;
    },

    /**
     * Sets `to`'s reservations of these SKUs to the given quantities (all or nothing, as reserve),
     * taking `from`'s holds of them first (moved: reserved never dips, so no one can take that
     * stock in between) — checkout's cart holds becoming the order's. One Redlock acquisition of
     * all the lines' SKUs comes before any of their stock rows is locked: a transaction that holds
     * stock rows never waits for a Redlock (docs/architecture.md, Lock order). Answers what moved.
     */
    async reserveFrom(
      from: Owner,
      to: Owner,
      lines: ReserveLine[],
      opts: { tx: Transaction; operator?: string },
    ): Promise<{ moved: OwnerLines; reserved: ReserveResult | null }> {
      const req = toRequest(to, lines, { operator: opts.operator });
      const skuIds = req.lines.map((l) => l.skuId);
      const { tx } = opts;
      return guarded(skuIds, async () => {
        const moved = await deps.transfer(from, to, { tx, skuIds, ttlSeconds: null, operator: req.operator });
        const held = new Map(moved.lines.map((l) => [l.skuId, l.quantity]));
        // SKUs fully covered by a hold are done; the others are reserved up to their quantity.
        const rest = req.lines.filter((l) => held.get(l.skuId) !== l.quantity);
        if (!rest.length) return { moved, reserved: null };
        const { outcomes, changed } = await execute(tx, [{ ...req, lines: rest }]);
        const reserved = unwrap(outcomes[0]);
        stockCache.invalidateAfterCommit(tx, changed);
        return { moved, reserved };
      });
    },

    /**
     * Several owners' reserve calls in the caller's transaction, under one lock acquisition and one
     * set of statements, each decided on its own in order (one may get INSUFFICIENT_STOCK while
     * the others go through). Also answers the public stock of their SKUs as this transaction
     * leaves them (the rows are locked until it ends), so the caller can show it without a read.
     */
    async reserveEach(
      requests: { owner: Owner; lines: ReserveLine[]; ttlSeconds?: number }[],
      opts: { tx: Transaction; operator?: string },
    ): Promise<{ outcomes: Settled<ReserveResult>[]; stock: PublicStock[] }> {
      if (requests.length === 0) return { outcomes: [], stock: [] };
      const reqs = requests.map((r) =>
        toRequest(r.owner, r.lines, { ttlSeconds: r.ttlSeconds, operator: opts.operator }),
      );
      const skuIds = [...new Set(reqs.flatMap((r) => r.lines.map((l) => l.skuId)))];
      const { outcomes, changed, cs } = await guarded(skuIds, () => execute(opts.tx, reqs));
      stockCache.invalidateAfterCommit(opts.tx, changed);
      return {
        outcomes: outcomes.map((o) => (o.ok ? { ok: true, result: o.result } : { ok: false, error: o.error })),
        stock: publicOf(cs, skuIds),
      };
    },
  };
}

export type Reserver = ReturnType<typeof createReserver>;
