import type { Cache, Db, Logger, Outbox } from '@zjmall/platform';
import { DEFAULT_CATALOG_OPTIONS, createCatalogCache, type CatalogOptions } from './catalog.cache';
import { addPriceEvents, claimDue, msToNextBoundary, refreshShown } from './promotions.store';

export interface PromotionSweeperDeps {
  db: Db;
  outbox: Outbox;
  cache: Cache;
  log: Logger;
  /**
   * The longest sleep between two looks (default 1 s). The sweeper also wakes exactly at the next
   * boundary it knows of; this bounds how late it notices promotions written by another process
   * (or by a job in this one) whose window starts sooner than that.
   */
  intervalSeconds?: number;
  /** Promotions per transaction (one price_changed per batch). */
  batchSize?: number;
  cacheOptions?: Partial<CatalogOptions>;
}

export interface PromotionSweeper {
  start(): void;
  /** Stops the timer and waits for a sweep in flight. */
  stop(): Promise<void>;
  /** Processes every boundary passed by now (database clock), batch by batch. */
  runOnce(): Promise<{ batches: number; changed: number }>;
}

// Never spin: a boundary that is due but whose rows another process holds is retried this late.
const MIN_DELAY_MS = 50;
// Timers may fire a hair early against the database's clock; waking just after the boundary avoids an empty sweep.
const BOUNDARY_SLACK_MS = 5;

/**
 * Starts and ends promotional prices at their windows' boundaries, by the database's clock. Each
 * batch is one transaction: claim due promotions (FOR UPDATE SKIP LOCKED, so any number of
 * processes may sweep at once without taking the same rows), lock their SKUs, publish the
 * promotion each SKU now shows, write one price_changed per batch (per job, when a batch holds
 * boundaries of several jobs), commit; then drop the cache entries of the SKUs that changed.
 */
export function createPromotionSweeper(deps: PromotionSweeperDeps): PromotionSweeper {
  const { db, outbox, log } = deps;
  const intervalMs = Math.max(MIN_DELAY_MS, (deps.intervalSeconds ?? 1) * 1000);
  const batchSize = deps.batchSize ?? 500;
  const cache = createCatalogCache(deps.cache, { ...DEFAULT_CATALOG_OPTIONS, ...deps.cacheOptions }, log);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true; // no timer
  let stopping = false; // stop() called: end a sweep in flight after its batch

  async function batch(): Promise<{ more: boolean; changed: number }> {
    const result = await db.transaction(async (transaction) => {
      const due = await claimDue(db, batchSize, transaction);
      const shown = await refreshShown(db, due.skuIds, transaction);
      await addPriceEvents(outbox, shown.changes, transaction);
      return { due, shown };
    });
    const { touched, changes } = result.shown;
    if (touched.length) {
      await cache
        .invalidateProducts(
          touched.map((t) => t.productId),
          touched.map((t) => t.skuId),
        )
        .catch((err: unknown) => log.warn({ err }, 'promotion cache invalidation failed'));
    }
    if (changes.length)
      log.info(
        { skus: changes.length, jobIds: [...new Set(changes.map((c) => c.jobId))] },
        'promotional prices changed',
      );
    return { more: result.due.claimed === batchSize, changed: changes.length };
  }

  async function runOnce() {
    let batches = 0;
    let changed = 0;
    for (;;) {
      const step = await batch();
      batches++;
      changed += step.changed;
      if (!step.more || stopping) break; // what is left stays due for the next sweep (or another process)
    }
    return { batches, changed };
  }

  async function nextDelay(): Promise<number> {
    const ms = await msToNextBoundary(db);
    if (ms === null) return intervalMs;
    return Math.min(intervalMs, Math.max(MIN_DELAY_MS, ms + BOUNDARY_SLACK_MS));
  }

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(tick, delay);
    timer.unref();
  };
  const tick = () => {
    running = runOnce()
      .then(nextDelay)
      .catch((err: unknown) => {
        log.error({ err }, 'promotion sweep failed');
        return intervalMs;
      })
      .then((delay) => {
        running = undefined;
        schedule(delay);
      });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      stopping = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      stopping = true;
      clearTimeout(timer);
      await running;
    },
    runOnce,
  };
}
