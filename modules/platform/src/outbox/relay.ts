import pg from 'pg';
import type { Db } from '../db/sequelize';
import type { Logger } from '../logger';
import type { Bus } from '../bus/types';
import { describeError } from '../bus/consumer';
import { OUTBOX_CHANNEL } from './outbox';
import {
  markPublished,
  pendingUpTo,
  readPending,
  recordFailure,
  settledBound,
  toEnvelope,
  type OutboxRow,
} from './pending';
import { purgeRetention } from './retention';
import type { Relay } from './types';
import { outboxPublished } from '../ops-metrics';
import { contextFrom, SpanKind, SpanStatusCode, tracer } from '../tracing';
import { setEventContext } from '../bus/trace-headers';
import { trace, type Span } from '@opentelemetry/api';

/**
 * A PRODUCER span per published row under the trace of the request that wrote it (its stored
 * context), made the event's context so the bus writes it into the message's headers. Rows
 * without a stored context (tracing off when written) get no span.
 */
function publishSpans() {
  const spans: (Span | null)[] = [];
  return {
    envelope(row: OutboxRow) {
      const envelope = toEnvelope(row);
      if (row.trace_context) {
        const parent = contextFrom(row.trace_context);
        const span = tracer.startSpan(
          `${row.type} publish`,
          { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'zjmall.event_id': row.id } },
          parent,
        );
        setEventContext(envelope, trace.setSpan(parent, span));
        spans.push(span);
      } else spans.push(null);
      return envelope;
    },
    /** Ends every span; those from `published` on are marked failed. */
    end(published: number) {
      spans.forEach((span, i) => {
        if (i >= published) span?.setStatus({ code: SpanStatusCode.ERROR, message: 'not published' });
        span?.end();
      });
    },
  };
}

export { purgeRetention } from './retention';

/** Session advisory lock held by the one active relay (any fixed bigint; the migrator uses …001). */
export const RELAY_LOCK_KEY = 7_401_137_002;
const PURGE_EVERY_MS = 3_600_000;
/** How long one cycle waits for open writer transactions before trying again later. */
const SETTLE_WAIT_MS = 2_000;
/** How long drain() waits for another process's relay to publish what is pending. */
const DRAIN_WAIT_MS = 10_000;

export interface RelayOptions {
  db: Db;
  /** For the relay's own session, which holds the lease and LISTENs. */
  dbUrl: string;
  bus: Bus;
  log: Logger;
  batchSize?: number;
  /** Poll interval, the fallback to NOTIFY (default 500 ms). */
  pollMs?: number;
  /**
   * After a cycle that emptied the outbox, the next one waits at least this long (default 15 ms),
   * even when woken: under load every commit sends a NOTIFY, and a cycle per NOTIFY would spend
   * more statements on reading the outbox than the writers spent filling it. Events wait at most
   * this much longer; a full batch is followed at once.
   */
  minGapMs?: number;
  /** How often a non-leader tries to take the lease (default 1 s). */
  lockRetryMs?: number;
  /** Publish retry backoff bounds (default 100 ms → 30 s). */
  backoff?: { minMs: number; maxMs: number };
}

export function backoffMs(failures: number, minMs = 100, maxMs = 30_000): number {
  return Math.min(minMs * 2 ** Math.max(0, failures - 1), maxMs);
}

interface CycleResult {
  published: number;
  failed: boolean;
  /** The batch was full: more may be waiting. */
  full: boolean;
}

/**
 * Publishes outbox rows in seq order through the bus, one active relay across processes.
 * The lease is a session advisory lock on a dedicated connection: if the process dies, the lease
 * goes with its connection; if the connection fails, this relay stops publishing and contends again.
 */
export function createRelay(opts: RelayOptions): Relay {
  const { db, dbUrl, bus, log } = opts;
  const batchSize = opts.batchSize ?? 100;
  const pollMs = opts.pollMs ?? 500;
  const minGapMs = opts.minGapMs ?? 15;
  const lockRetryMs = opts.lockRetryMs ?? 1_000;
  const { minMs, maxMs } = opts.backoff ?? { minMs: 100, maxMs: 30_000 };

  let client: pg.Client | null = null;
  let leader = false;
  let running = false;
  let loop: Promise<void> | null = null;
  let failures = 0;
  let lastPurge = 0;
  let lastStallWarning = 0;
  // Set by NOTIFY; a cycle that starts clears it, so a wake-up between cycles is never lost.
  let dirty = false;
  const sleepers = new Set<{ wakeable: boolean; done: () => void }>();
  let offReconnect: () => void = () => {};

  const pause = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      if (!running || (wakeable && dirty)) return resolve();
      const s = {
        wakeable,
        done: () => {
          clearTimeout(timer);
          sleepers.delete(s);
          resolve();
        },
      };
      const timer = setTimeout(s.done, ms);
      sleepers.add(s);
    });
  const nudge = (all: boolean) => {
    for (const s of [...sleepers]) if (all || s.wakeable) s.done();
  };

  // One step at a time: the loop and drain() never publish concurrently.
  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => {});
    return run;
  };

  const lost = (c: pg.Client, err?: unknown) => {
    if (client !== c) return;
    client = null;
    if (leader) log.warn({ err }, 'outbox relay lost its database session, and with it the lease');
    leader = false;
    c.end().catch(() => {});
    nudge(true);
  };

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({
      connectionString: dbUrl,
      application_name: 'zjmall-outbox-relay',
      keepAlive: true,
      query_timeout: 30_000,
    });
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    c.on('notification', () => {
      dirty = true;
      nudge(false);
    });
    try {
      await c.connect();
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    return c;
  };

  const tryLead = async (): Promise<boolean> => {
    if (!client) client = await connect();
    const c = client;
    const res = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK_KEY]);
    if (!res.rows[0]?.ok) return false;
    await c.query(`LISTEN ${OUTBOX_CHANNEL}`);
    if (client !== c) return false;
    leader = true;
    failures = 0;
    dirty = true; // rows may be waiting from before we led
    log.info('outbox relay took the lease');
    return true;
  };

  const resign = async () => {
    const c = client;
    const wasLeader = leader;
    client = null;
    leader = false;
    if (!c) return;
    if (wasLeader) {
      // Ending the session releases the lock anyway; unlocking first lets the next leader in sooner.
      await c.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => {});
      await c.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK_KEY]).catch(() => {});
    }
    await c.end().catch(() => {});
  };

  const cycle = async (): Promise<CycleResult> => {
    const c = client;
    const holding = () => leader && client === c;
    if (!c || !holding()) return { published: 0, failed: false, full: false };
    dirty = false;
    const bound = await settledBound(c, { maxWaitMs: SETTLE_WAIT_MS, active: holding });
    if (bound === null) {
      if (Date.now() - lastStallWarning > 30_000) {
        lastStallWarning = Date.now();
        log.warn(
          'outbox relay is waiting for a long-running transaction that wrote events; later events wait behind it',
        );
      }
      return { published: 0, failed: false, full: false };
    }
    const rows = await readPending(c, bound, batchSize);
    const traced = publishSpans();
    const done: (number | string)[] = [];
    const failedAt = async (row: OutboxRow, err: unknown): Promise<CycleResult> => {
      // Stop the batch here so that nothing overtakes this event.
      await recordFailure(c, row.seq, describeError(err));
      log.warn(
        { err, seq: row.seq, eventId: row.id, type: row.type, attempts: row.attempts + 1 },
        'outbox publish failed; will retry',
      );
      return { published: done.length, failed: true, full: false };
    };
    try {
      if (bus.publishMany && rows.length > 1) {
        // Lease lost: stop; the next leader starts from the first row not marked published.
        if (!holding()) return { published: 0, failed: false, full: false };
        const { published, error } = await bus.publishMany(rows.map(traced.envelope));
        for (const row of rows.slice(0, published)) done.push(row.seq);
        if (published < rows.length) return await failedAt(rows[published], error);
      } else {
        for (const row of rows) {
          if (!holding()) break;
          try {
            await bus.publish(traced.envelope(row));
          } catch (err) {
            return await failedAt(row, err);
          }
          done.push(row.seq);
        }
      }
    } finally {
      traced.end(done.length);
      await markPublished(c, done);
      for (const row of rows.slice(0, done.length)) outboxPublished.inc({ type: row.type });
    }
    return { published: done.length, failed: false, full: rows.length === batchSize };
  };

  const maybePurge = async () => {
    if (Date.now() - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = Date.now();
    await purgeRetention(db).catch((err: unknown) => log.warn({ err }, 'retention purge failed'));
  };

  const run = async () => {
    while (running) {
      try {
        if (!leader && !(await exclusive(tryLead))) {
          await pause(lockRetryMs, false);
          continue;
        }
        const r = await exclusive(cycle);
        if (r.failed) {
          failures++;
          await pause(backoffMs(failures, minMs, maxMs), false);
          continue;
        }
        failures = 0;
        if (r.full) continue;
        await maybePurge();
        if (minGapMs > 0) await pause(minGapMs, false);
        await pause(pollMs, true);
      } catch (err) {
        if (!running) break;
        log.warn({ err }, 'outbox relay failed; contending for the lease again');
        await exclusive(resign);
        await pause(lockRetryMs, false);
      }
    }
  };

  /** drain() while another process leads: wait until that relay has published what is pending now. */
  const awaitOtherLeader = async () => {
    const c = client;
    if (!c) return;
    const bound = await settledBound(c, { maxWaitMs: SETTLE_WAIT_MS, active: () => true });
    if (bound === null) return;
    const deadline = Date.now() + DRAIN_WAIT_MS;
    while (Date.now() < deadline && (await pendingUpTo(c, bound))) await new Promise((r) => setTimeout(r, 50));
  };

  return {
    get isLeader() {
      return leader;
    },

    start() {
      if (running) return;
      running = true;
      // The transport is back (or reached for the first time): a backoff grown during the outage
      // (up to maxMs) must not hold the backlog any longer.
      offReconnect = bus.onReconnect(() => {
        failures = 0;
        nudge(true);
      });
      loop = run();
    },

    async stop() {
      running = false;
      offReconnect();
      nudge(true);
      await loop;
      loop = null;
      await exclusive(resign);
    },

    drain() {
      return exclusive(async () => {
        const borrowed = !leader && !running;
        try {
          if (!leader && !(await tryLead())) {
            await awaitOtherLeader();
            return 0;
          }
          let total = 0;
          for (;;) {
            const r = await cycle();
            total += r.published;
            if (r.failed || !r.full) return total;
          }
        } finally {
          // A relay that was not started only leads for the length of the drain.
          if (borrowed) await resign();
        }
      });
    },
  };
}
