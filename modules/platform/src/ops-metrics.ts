import { Counter, Gauge } from 'prom-client';
import { QueryTypes } from 'sequelize';
import { metricsRegistry } from './metrics';
import type { Db } from './db/sequelize';
import type { Readiness } from './runtime';

/**
 * The metrics infra/prometheus/alerts.yml and infra/grafana/zjmall.json read beyond the procedure
 * histogram: HTTP status classes, the outbox and dead letters (read from PostgreSQL at scrape time,
 * so every process that serves /metrics reports the same shared state), this process's durable
 * consumers and dependencies, and the periodic stock audit. Aggregation across a node:cluster:
 * shared state by `max`, this process's by `sum`/`min` (prom-client's `aggregator`).
 */

export const httpResponses = new Counter({
  name: 'zjmall_http_responses_total',
  help: 'HTTP responses by status class (2xx, 3xx, 4xx, 5xx)',
  labelNames: ['status_class'] as const,
  registers: [metricsRegistry],
});

export const outboxPublished = new Counter({
  name: 'zjmall_outbox_published_total',
  help: 'Events the relay published, by type (the checkout funnel: order.created, order.paid)',
  labelNames: ['type'] as const,
  registers: [metricsRegistry],
});

export const inventoryAuditMismatches = new Gauge({
  name: 'zjmall_inventory_audit_mismatches',
  help: 'SKUs whose stock row disagrees with its ledger or reservations at the last periodic audit',
  registers: [metricsRegistry],
  aggregator: 'max',
});

export const inventoryAuditTimestamp = new Gauge({
  name: 'zjmall_inventory_audit_last_run_timestamp_seconds',
  help: 'When the last periodic stock audit finished (Unix seconds)',
  registers: [metricsRegistry],
  aggregator: 'max',
});

/** What the scrape-time gauges read: a platform, or the part of one they need. */
export interface WatchedPlatform {
  db: Db;
  ready(): Promise<Readiness>;
  bus: { pendingDurables(): string[] };
}

let watched: WatchedPlatform | null = null;

async function outboxState(db: Db) {
  const [row] = await db.query<{ pending: number; oldest: number | null }>(
    `SELECT count(*)::int AS pending, extract(epoch FROM now() - min(occurred_at))::float8 AS oldest
       FROM platform.outbox WHERE published_at IS NULL`,
    { type: QueryTypes.SELECT },
  );
  return row;
}

new Gauge({
  name: 'zjmall_outbox_pending_events',
  help: 'Outbox rows not yet published to the bus',
  registers: [metricsRegistry],
  aggregator: 'max',
  async collect() {
    if (!watched) return;
    const s = await outboxState(watched.db).catch(() => null);
    if (s) this.set(s.pending);
  },
});

new Gauge({
  name: 'zjmall_outbox_oldest_pending_age_seconds',
  help: 'Age of the oldest unpublished outbox row (0 when none)',
  registers: [metricsRegistry],
  aggregator: 'max',
  async collect() {
    if (!watched) return;
    const s = await outboxState(watched.db).catch(() => null);
    if (s) this.set(s.oldest ?? 0);
  },
});

new Gauge({
  name: 'zjmall_dead_letters',
  help: 'Events a durable consumer gave up on, kept in platform.dead_letters until replayed or deleted',
  labelNames: ['consumer'] as const,
  registers: [metricsRegistry],
  aggregator: 'max',
  async collect() {
    if (!watched) return;
    const rows = await watched.db
      .query<{ consumer: string; n: number }>(
        `SELECT consumer, count(*)::int AS n FROM platform.dead_letters GROUP BY consumer`,
        { type: QueryTypes.SELECT },
      )
      .catch(() => null);
    if (!rows) return;
    this.reset();
    for (const r of rows) this.set({ consumer: r.consumer }, r.n);
  },
});

new Gauge({
  name: 'zjmall_bus_pending_consumers',
  help: 'Durable consumers of this process not registered with NATS yet (retried until they are)',
  registers: [metricsRegistry],
  aggregator: 'sum',
  collect() {
    if (watched) this.set(watched.bus.pendingDurables().length);
  },
});

new Gauge({
  name: 'zjmall_dependency_up',
  help: 'Whether a configured dependency answered within 2 s (1) or not (0); embedded/in-process ones are not listed',
  labelNames: ['dependency'] as const,
  registers: [metricsRegistry],
  aggregator: 'min',
  async collect() {
    if (!watched) return;
    const r = await watched.ready().catch(() => null);
    this.reset();
    if (!r) return;
    for (const [dep, up] of Object.entries(r.checks)) if (up !== undefined) this.set({ dependency: dep }, up ? 1 : 0);
  },
});

/**
 * The platform the scrape-time gauges read (one per process: the last one watched). Returns the
 * undo, for tests that build several.
 */
export function watchPlatform(p: WatchedPlatform): () => void {
  watched = p;
  return () => {
    if (watched === p) watched = null;
  };
}

/** Counts a response by its status class (the 5xx-rate alert). */
export function countHttpResponse(statusCode: number): void {
  httpResponses.inc({ status_class: `${Math.floor(statusCode / 100)}xx` });
}
