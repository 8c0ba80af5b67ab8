import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { DEFAULT_STREAM } from '@zjmall/contracts';
import { repoRoot } from '../support/bff';
import type { World } from './world';

export interface InvariantResult {
  name: string;
  ok: boolean;
  detail: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds or `ms` passed; returns its last detail. */
async function settle(ms: number, check: () => Promise<[boolean, string]>): Promise<[boolean, string]> {
  const deadline = Date.now() + ms;
  let last = await check();
  while (!last[0] && Date.now() < deadline) {
    await sleep(500);
    last = await check();
  }
  return last;
}

/**
 * The invariants after a scenario, from the database and the stream (every fault healed first):
 * no oversell, ledger = stock (the audit), every outbox row in the stream exactly once, at most one
 * succeeded payment per order, no order past its timeout still open, every reaction done.
 */
export async function checkInvariants(w: World, opts: { soldLimit?: { skuId: string; stock: number } } = {}) {
  const out: InvariantResult[] = [];
  const add = (name: string, [ok, detail]: [boolean, string]) => {
    console.error(`    ${ok ? '✓' : '✗'} ${name}: ${detail}`);
    out.push({ name, ok, detail });
  };

  if (opts.soldLimit) {
    const { skuId, stock } = opts.soldLimit;
    const [row] = await w.sql<{ held: string }>(
      `SELECT coalesce(sum(i.quantity), 0) AS held FROM "order".order_items i JOIN "order".orders o ON o.id = i.order_id
        WHERE i.sku_id = $1 AND o.status <> 'cancelled'`,
      [skuId],
    );
    add('no oversell', [Number(row.held) <= stock, `${row.held} of ${stock} in live orders`]);
  }
  const negative = await w.sql(`SELECT 1 FROM inventory.stock WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand`);
  add('stock within bounds', [negative.length === 0, `${negative.length} rows out of bounds`]);

  add('ledger = stock (audit)', await audit(w));

  add(
    'outbox drained',
    await settle(90_000, async () => {
      const [r] = await w.sql<{ n: string }>(`SELECT count(*) AS n FROM platform.outbox WHERE published_at IS NULL`);
      return [Number(r.n) === 0, `${r.n} unpublished`];
    }),
  );
  add('outbox = stream, once each', await streamMatchesOutbox(w));

  const doubles = await w.sql(
    `SELECT order_id FROM payment.payments WHERE status IN ('succeeded','refunded','partially_refunded')
      GROUP BY order_id HAVING count(*) > 1`,
  );
  add('≤ 1 succeeded payment per order', [doubles.length === 0, `${doubles.length} orders paid twice`]);

  add(
    'no order open past its timeout',
    await settle(60_000, async () => {
      const [r] = await w.sql<{ n: string }>(
        `SELECT count(*) AS n FROM "order".orders WHERE status = 'pending_payment' AND expires_at < now() - interval '10 seconds'`,
      );
      return [Number(r.n) === 0, `${r.n} overdue`];
    }),
  );
  add(
    'reactions done',
    await settle(90_000, async () => {
      const [open] = await w.sql<{ n: string }>(
        `SELECT count(*) AS n FROM payment.payments p JOIN "order".orders o ON o.id = p.order_id
          WHERE o.status = 'cancelled' AND p.status = 'pending'`,
      );
      const [dead] = await w.sql<{ n: string }>(`SELECT count(*) AS n FROM platform.dead_letters`);
      const lag = await consumerLag(w);
      return [
        Number(open.n) === 0 && Number(dead.n) === 0 && lag === 0,
        `${open.n} pending payments of cancelled orders, ${dead.n} dead letters, ${lag} events not yet consumed`,
      ];
    }),
  );
  return out;
}

function audit(w: World): Promise<[boolean, string]> {
  return new Promise((ok) => {
    const c = spawn(process.execPath, ['--import', 'tsx', resolve(repoRoot, 'apps/worker/src/audit.ts')], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: w.dbUrl, LOG_LEVEL: 'error', SEED_DEMO: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    c.stdout!.on('data', (d) => (text += d));
    c.stderr!.on('data', (d) => (text += d));
    c.on('exit', (code) => {
      const m = /"mismatchCount":\s*(\d+)/.exec(text);
      ok([code === 0, m ? `${m[1]} mismatches` : `audit exited ${code}: ${text.slice(-300)}`]);
    });
  });
}

/** What the stream held, by Nats-Msg-Id: how many messages carry it, and the first one described. */
export type StreamIds = Map<string, { count: number; described: string }>;

/**
 * Compares the outbox with the stream from three reads in this order: the outbox (`before`), the
 * stream, the outbox again (`after`). The order is what makes each verdict free of races with
 * writers that are still at work (the order sweeper cancels expired orders while the invariants
 * run):
 * - unknown: a message whose id is no row of `after` — it was stored before `after` was read, and a
 *   row is published only after it committed and is never deleted (retention: 7 days), so no row
 *   for it is a phantom event (or a message from outside the outbox);
 * - missing: a row already published in `before` that the stream lacks;
 * - twice: an id on more than one message;
 * - waiting: rows of `before` not yet published — nothing wrong, but not settled yet.
 * The detail also counts the messages whose row came after `before` (written while the check ran).
 */
export function compareStreamWithOutbox(
  before: { id: string; published: boolean }[],
  stream: StreamIds,
  after: { id: string }[],
): { ok: boolean; settled: boolean; detail: string } {
  const rows = new Set(after.map((r) => r.id));
  const unknown = [...stream.keys()].filter((id) => !rows.has(id));
  const missing = before.filter((r) => r.published && !stream.has(r.id)).map((r) => r.id);
  const twice = [...stream.entries()].filter(([, m]) => m.count > 1).map(([id]) => id);
  const waiting = before.filter((r) => !r.published).length;
  const earlier = new Set(before.map((r) => r.id));
  const late = [...stream.keys()].filter((id) => rows.has(id) && !earlier.has(id)).length;
  const messages = [...stream.values()].reduce((n, m) => n + m.count, 0);
  const list = (label: string, ids: string[]) =>
    ids.length
      ? `; ${label}: ${ids
          .slice(0, 10)
          .map((id) => stream.get(id)?.described ?? id)
          .join(' | ')}${ids.length > 10 ? ' …' : ''}`
      : '';
  const ok = unknown.length === 0 && missing.length === 0 && twice.length === 0;
  return {
    ok,
    settled: !ok || waiting === 0,
    detail:
      `${before.length} rows, ${messages} messages; ${missing.length} missing, ${twice.length} twice, ${unknown.length} unknown` +
      (waiting ? `, ${waiting} rows not yet published` : '') +
      (late ? `, ${late} rows written while the check ran` : '') +
      list('unknown', unknown) +
      list('twice', twice) +
      list('missing', missing),
  };
}

/**
 * Every outbox row's id is the Nats-Msg-Id of exactly one message in the stream, and nothing else is
 * there (compareStreamWithOutbox; read again while rows are still being published).
 */
async function streamMatchesOutbox(w: World): Promise<[boolean, string]> {
  const readRows = () =>
    w.sql<{ id: string; published: boolean }>(`SELECT id, published_at IS NOT NULL AS published FROM platform.outbox`);
  const nc = await connect({ servers: w.nats.url });
  try {
    return await settle(30_000, async () => {
      const before = await readRows();
      const stream = await readStream(nc);
      const after = await readRows();
      const r = compareStreamWithOutbox(before, stream, after);
      return [r.ok && r.settled, r.detail];
    });
  } finally {
    await nc.close();
  }
}

/** Every message of the stream, by Nats-Msg-Id. */
async function readStream(nc: NatsConnection): Promise<StreamIds> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(DEFAULT_STREAM);
  const consumer = await jetstream(nc).consumers.get(DEFAULT_STREAM);
  const seen: StreamIds = new Map();
  const total = info.state.messages;
  if (total > 0) {
    const msgs = await consumer.fetch({ max_messages: total, expires: 10_000 });
    let n = 0;
    for await (const m of msgs) {
      const id = m.headers?.get('Nats-Msg-Id') ?? '';
      const known = seen.get(id);
      if (known) known.count++;
      else seen.set(id, { count: 1, described: describeMessage(id, m.seq, m.subject, m.timestampNanos, m.data) });
      if (++n >= total) break;
    }
  }
  return seen;
}

/**
 * One stream message for a failure detail: `#seq subject type aggregateId id occurred … stored …`
 * (the id is the Nats-Msg-Id; the envelope's own id follows it when the two differ).
 */
function describeMessage(
  msgId: string,
  seq: number,
  subject: string,
  timestampNanos: bigint,
  data: Uint8Array,
): string {
  const stored = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  let body: { id?: unknown; type?: unknown; aggregateId?: unknown; occurredAt?: unknown } = {};
  try {
    body = JSON.parse(new TextDecoder().decode(data)) as typeof body;
  } catch {
    /* not an envelope: shown as such */
  }
  const id = body.id === msgId ? msgId : `${msgId} (envelope id ${String(body.id)})`;
  return `#${seq} ${subject} ${String(body.type)} ${String(body.aggregateId)} ${id} occurred ${String(body.occurredAt)} stored ${stored}`;
}

/** Messages the durable consumers have not acknowledged yet (pending + in flight), summed. */
async function consumerLag(w: World): Promise<number> {
  const nc = await connect({ servers: w.nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    let lag = 0;
    for await (const c of jsm.consumers.list(DEFAULT_STREAM)) {
      if (!c.config.durable_name) continue;
      lag += c.num_pending + c.num_ack_pending;
    }
    return lag;
  } finally {
    await nc.close();
  }
}
