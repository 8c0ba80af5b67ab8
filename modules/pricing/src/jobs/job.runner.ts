import type { CatalogPricingFeed } from '@zjmall/catalog';
import { newId, type Db, type Logger } from '@zjmall/platform';
import { DEFAULT_INLINE_THRESHOLD, evaluate, type PricingPool } from '../pool/pricing-pool';
import { compileRules, type CompiledRules } from '../rules/compile';
import { jobStore, type JobRow } from './job.store';

export interface PriceJobRunnerOptions {
  /** SKUs per batch: one transaction, one price_changed event, one cursor step. */
  batchSize: number;
  /** How long a running job stays this runner's without a batch committing. */
  leaseMs: number;
  pollMs: number;
  /** Claims of one job (first run and resumes) before it is marked failed. */
  maxAttempts: number;
  /** Below this many SKU-rule evaluations a batch is evaluated inline rather than on the pool. */
  inlineThreshold: number;
  /** Identifies this runner in the job's lease. */
  owner: string;
  /** Called after each committed batch; 'halt' stops the runner on the spot, as a crash would (tests). */
  afterBatch?: (info: { jobId: string; batches: number }) => void | 'halt' | Promise<void | 'halt'>;
}

export const DEFAULT_RUNNER_OPTIONS: Omit<PriceJobRunnerOptions, 'owner'> = {
  batchSize: 1000,
  leaseMs: 60_000,
  pollMs: 1000,
  maxAttempts: 3,
  inlineThreshold: DEFAULT_INLINE_THRESHOLD,
};

export interface PriceJobRunnerDeps {
  db: Db;
  feed: CatalogPricingFeed;
  log: Logger;
  /** The piscina pool; null evaluates every batch inline. */
  pool: PricingPool | null;
  options?: Partial<PriceJobRunnerOptions>;
}

export interface PriceJobRunner {
  /** Claims one job (queued, or abandoned by a dead runner) and runs it; its id, or null if none. */
  runOnce(): Promise<string | null>;
  /** Runs jobs until none is left to claim. */
  drain(): Promise<number>;
  /** Polls for jobs every pollMs until stop(). */
  start(): void;
  /** Stops after the batch in flight, handing a job in progress back (resumed by the next runner). */
  stop(): Promise<void>;
}

type Outcome = 'completed' | 'lost' | 'halted';

/**
 * Runs recalculation jobs batch by batch. Each batch is one transaction: lock the job (still ours?),
 * lock the next SKUs after the cursor, evaluate them (pool or inline), write the changed prices
 * (one price_changed for the batch) and advance the cursor. A crash loses at most the batch in
 * flight, which rolled back; whoever claims the job next resumes from the cursor.
 */
export function createPriceJobRunner({ db, feed, log, pool, options }: PriceJobRunnerDeps): PriceJobRunner {
  const opts: PriceJobRunnerOptions = { ...DEFAULT_RUNNER_OPTIONS, owner: `runner-${newId()}`, ...options };
  const store = jobStore(db);
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true; // not polling
  let stopping = false; // stop() called: leave the job in hand after its current batch

  async function batch(job: JobRow, compiled: CompiledRules): Promise<'more' | Outcome> {
    return db.transaction(async (tx) => {
      const current = await store.lockOwned(job.id, opts.owner, tx);
      if (!current) return 'lost';
      const input = current.input;
      const rows = await feed.lockBatch({ afterSkuId: current.cursor, limit: opts.batchSize, scope: input.scope }, tx);
      if (rows.length === 0) {
        await store.finish(job.id, opts.owner, { status: 'completed' }, tx);
        return 'completed';
      }
      const prices = await evaluate(compiled.program, compiled.encode(rows), pool, opts.inlineThreshold);
      const changes = rows
        .map((r, i) => ({ skuId: r.skuId, productId: r.productId, oldPrice: r.price, newPrice: prices[i] }))
        .filter((c) => c.newPrice !== c.oldPrice);
      // A window makes the results promotional prices (catalog's, shown inside the window); none rewrites the base prices.
      const changed = input.window
        ? await feed.applyJobPromotions(
            changes.map((c) => ({ skuId: c.skuId, price: c.newPrice, basePrice: c.oldPrice })),
            { jobId: job.id, window: input.window },
            tx,
          )
        : await feed.applyJobPrices(changes, { jobId: job.id }, tx);
      await store.advance(
        job.id,
        { cursor: rows[rows.length - 1].skuId, processed: rows.length, changed, leaseMs: opts.leaseMs },
        tx,
      );
      return 'more';
    });
  }

  async function runJob(job: JobRow): Promise<Outcome> {
    if (job.attempts > opts.maxAttempts) {
      const reason = `gave up after ${opts.maxAttempts} attempts${job.error ? `: ${job.error}` : ''}`;
      await store.finish(job.id, opts.owner, { status: 'failed', error: reason });
      log.error({ jobId: job.id }, `price job failed: ${reason}`);
      return 'completed';
    }
    if (job.cursor) log.info({ jobId: job.id, cursor: job.cursor, processed: job.processed }, 'resuming price job');
    // Compiled once per run of the job (categories are read once: they never move).
    const compiled = compileRules(job.input, await feed.categoryPaths());
    let batches = job.batches;
    for (;;) {
      const step = await batch(job, compiled);
      if (step !== 'more') return step;
      batches++;
      if ((await opts.afterBatch?.({ jobId: job.id, batches })) === 'halt') return 'halted';
      if (stopping) {
        // shutting down: hand the job back at once rather than making the next runner wait out the lease
        await store.release(job.id, opts.owner, null);
        return 'halted';
      }
    }
  }

  async function runOnce(): Promise<string | null> {
    const job = await store.claim(opts.owner, opts.leaseMs);
    if (!job) return null;
    try {
      const outcome = await runJob(job);
      if (outcome === 'lost') log.warn({ jobId: job.id }, 'price job taken over by another runner');
    } catch (err) {
      // The batch in flight rolled back; another claim resumes from the cursor, up to maxAttempts.
      const message = err instanceof Error ? err.message : String(err);
      log.error({ err, jobId: job.id }, 'price job batch failed');
      if (job.attempts >= opts.maxAttempts)
        await store.finish(job.id, opts.owner, { status: 'failed', error: message });
      else await store.release(job.id, opts.owner, message);
    }
    return job.id;
  }

  async function drain() {
    let n = 0;
    while (!stopping && (await runOnce())) n++;
    return n;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = drain()
        .catch((err: unknown) => log.error({ err }, 'price job runner failed'))
        .finally(() => {
          running = null;
          schedule();
        });
    }, opts.pollMs);
    timer.unref();
  }

  return {
    runOnce,
    drain,
    start() {
      if (!stopped) return;
      stopped = false;
      stopping = false;
      schedule();
    },
    async stop() {
      stopped = true;
      stopping = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
