import { createHmac } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  benchEnvironment,
  bffNodeArgs,
  cpuSeconds,
  freePort,
  loadAverage,
  machineLine,
  startServer,
  type ChildServer,
} from './harness';
import { call, purchase, setup, type Buyer } from './purchase';

/**
 * Outgoing webhooks and the inbox under the checkout load (issue 20, "Done means"): the BFF in the
 * production configuration with its jobs (relay, durable consumers, webhook deliverer) and
 * WEBHOOK_ALLOW_PRIVATE=true for a local HTTP receiver (answers 204, checks every signature), one
 * webhook on `order.*` and `payment.*`, and checkout.ts's purchase loop. Each round runs the load
 * twice, alternating: (A) the webhook inactive — the baseline, the shop without webhooks — then
 * (B) active; after B the webhook is deactivated and its deliveries drain before the next round.
 *
 *   npx tsx infra/bench/webhooks.ts [--duration 15] [--warmup 3] [--concurrency 32] [--users 200]
 *                                   [--skus 50] [--rounds 1] [--subscribers 20]
 *
 * Figures: orders/s and the BFF's CPU per order in A and B (during the load, and including the
 * consumers' and the deliverer's work until they caught up); deliveries/s (during the load, and from
 * B's start to its last delivery), delivery lag (the event's occurredAt → the receiver got it)
 * p50/p99/max, split into occurredAt → queued (the fan-out consumer's delivery row) and queued →
 * delivered (the deliverer), and the drain after the load stopped; the inbox lag (the event's occurredAt → its
 * notification row's created_at) in A and B, and the `notification.onNew` push lag (occurredAt →
 * the SSE message reached one of `--subscribers` buyers' streams). Per webhook, deliveries go one at
 * a time in the stream's order (docs/api.md), so one webhook's rate is bounded by one round trip
 * per event. The load average is printed at the start and the end: figures from a loaded machine
 * are not a result.
 */

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    users: { type: 'string', default: '200' },
    skus: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
    subscribers: { type: 'string', default: '20' },
  },
});
const DURATION = Number(flags.duration);
const WARMUP = Number(flags.warmup);
const CONCURRENCY = Number(flags.concurrency);
const USERS = Math.max(Number(flags.users), CONCURRENCY);
const SKUS = Number(flags.skus);
const ROUNDS = Math.max(1, Number(flags.rounds) || 1);
const SUBSCRIBERS = Math.min(Number(flags.subscribers), USERS);
const SECRET = 'bench webhook secret 0123456789';
/** The events the inbox consumer takes (modules/notification's INBOX_EVENT_TYPES; docs/api.md). */
const INBOX_TYPES = [
  'order.created',
  'order.paid',
  'order.shipped',
  'order.completed',
  'order.cancelled',
  'order.refunded',
  'payment.failed',
  'catalog.price_changed',
  'catalog.product_unpublished',
];

interface Delivery {
  id: string;
  type: string;
  occurredAt: number;
  receivedAt: number;
}

/** The shop's mail relay, as far as the bench is concerned: records each delivery, checks its signature. */
async function startReceiver() {
  const got: Delivery[] = [];
  const seen = new Set<string>();
  let badSignatures = 0;
  let duplicates = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const receivedAt = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers['x-zjmall-signature']));
      if (!m || createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest('hex') !== m[2]) badSignatures++;
      const id = String(req.headers['x-zjmall-delivery']);
      if (seen.has(id)) duplicates++;
      seen.add(id);
      const env = JSON.parse(body) as { type: string; occurredAt: string };
      got.push({ id, type: env.type, occurredAt: Date.parse(env.occurredAt), receivedAt });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    stats: () => ({ badSignatures, duplicates }),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** `notification.onNew` streams of some buyers (SSE over fetch): when each pushed entry arrived. */
function subscribe(base: string, buyers: Buyer[]) {
  const pushes: { id: string; receivedAt: number }[] = [];
  const abort = new AbortController();
  const input = encodeURIComponent(JSON.stringify({ locale: 'en' }));
  const streams = buyers.map(async (b) => {
    const res = await fetch(`${base}/trpc/notification.onNew?input=${input}`, {
      headers: { authorization: `Bearer ${b.token}`, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`onNew: ${res.status}`);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('data:')) continue;
        try {
          const v = JSON.parse(line.slice(5)) as { item?: { id: string } | null };
          if (v?.item?.id) pushes.push({ id: v.item.id, receivedAt: Date.now() });
        } catch {
          /* not a value (connected/ping) */
        }
      }
    }
  });
  return {
    pushes,
    async close() {
      abort.abort();
      await Promise.allSettled(streams);
    },
  };
}

const quantile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const sortNum = (a: number[]) => [...a].sort((x, y) => x - y);

interface Phase {
  label: string;
  start: number;
  end: number;
  orders: number;
  errors: number;
  firstError?: string;
  cpuMicrosPerOrder: number | null;
  /** The BFF's CPU seconds when the phase started. */
  cpu0: number | null;
}

async function drive(server: ChildServer, label: string, seconds: number, op: () => Promise<number>): Promise<Phase> {
  let orders = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpu0 = cpuSeconds(server.pid);
  const start = Date.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        try {
          await op();
          orders++;
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
        }
      }
    }),
  );
  const stop = Date.now();
  const cpu1 = cpuSeconds(server.pid);
  return {
    label,
    start,
    end: stop,
    orders,
    errors,
    firstError,
    cpuMicrosPerOrder: cpu0 !== null && cpu1 !== null && orders ? ((cpu1 - cpu0) * 1e6) / orders : null,
    cpu0,
  };
}

const fmt = (n: number, d = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-';
const world = await benchEnvironment({
  ADMIN_EMAIL: 'bench-admin@example.com',
  ADMIN_PASSWORD: 'bench admin password',
  SANDBOX_PAYMENTS: 'true',
  PASSWORD_HASH_COST: '14',
  RUN_JOBS: 'true',
  DB_POOL_MAX: '20',
  WEBHOOK_ALLOW_PRIVATE: 'true',
});
const receiver = await startReceiver();
let server: ChildServer | null = null;
let failed: unknown = null;
const lines: string[] = [];
const db = new pg.Client({ connectionString: world.env.DATABASE_URL });
try {
  server = await startServer({
    name: 'BFF',
    script: 'apps/bff/src/main.ts',
    env: world.env,
    port: await freePort(),
    timeoutMs: 90_000,
    nodeArgs: bffNodeArgs(),
  });
  await db.connect();
  const base = server.url;
  const { adminToken, skuIds, buyers } = await setup(base, SKUS, USERS);
  const hook = await call<{ id: string }>(
    base,
    'notification.admin.createWebhook',
    'mutation',
    { url: receiver.url, events: ['order.*', 'payment.*'], secret: SECRET },
    adminToken,
  );
  const setActive = (active: boolean) =>
    call(base, 'notification.admin.updateWebhook', 'mutation', { id: hook.id, active }, adminToken);
  await setActive(false);
  const subs = subscribe(base, buyers.slice(0, SUBSCRIBERS));

  let cursor = 0;
  const order = async () => {
    let b: Buyer;
    do b = buyers[cursor++ % buyers.length];
    while (b.busy);
    b.busy = true;
    try {
      return await purchase(base, b, skuIds[Math.floor(Math.random() * skuIds.length)]);
    } finally {
      b.busy = false;
    }
  };
  /** Events of [from, to) that one of notification's consumers has not handled yet. */
  const unhandled = async (from: number, to: number) =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM platform.outbox o, unnest(ARRAY['notification-webhooks', 'notification-inbox']) AS c(name)
          WHERE o.occurred_at >= to_timestamp($1 / 1000.0) AND o.occurred_at < to_timestamp($2 / 1000.0)
            AND (c.name = 'notification-webhooks' OR o.type = ANY($3::text[]))
            AND NOT EXISTS (SELECT 1 FROM platform.handled_events h WHERE h.consumer = c.name AND h.event_id = o.id)`,
        [from, to, INBOX_TYPES],
      )
    ).rows[0].n;
  const until = async (done: () => Promise<boolean>, ms = 180_000) => {
    const end = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > end) throw new Error('the consumers or the deliverer did not catch up within 180 s');
      await new Promise((ok) => setTimeout(ok, 100));
    }
  };
  const pendingDeliveries = async () =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification.webhook_deliveries WHERE status = 'pending'`,
      )
    ).rows[0].n;
  /** occurredAt → notification created_at of the events in [from, to), ms, sorted. */
  const inboxLag = async (from: number, to: number) =>
    sortNum(
      (
        await db.query<{ ms: number }>(
          `SELECT extract(epoch FROM n.created_at - o.occurred_at) * 1000 AS ms
             FROM notification.notifications n JOIN platform.outbox o ON o.id = n.event_id
            WHERE o.occurred_at >= to_timestamp($1 / 1000.0) AND o.occurred_at < to_timestamp($2 / 1000.0)`,
          [from, to],
        )
      ).rows.map((r) => Number(r.ms)),
    );
  const pushLag = async (from: number, to: number) => {
    const inWindow = subs.pushes.filter((p) => p.receivedAt >= from);
    if (!inWindow.length) return [];
    const rows = (
      await db.query<{ id: string; at: number }>(
        `SELECT n.id, extract(epoch FROM o.occurred_at) * 1000 AS at
           FROM notification.notifications n JOIN platform.outbox o ON o.id = n.event_id
          WHERE n.id = ANY($1::uuid[]) AND o.occurred_at >= to_timestamp($2 / 1000.0) AND o.occurred_at < to_timestamp($3 / 1000.0)`,
        [inWindow.map((p) => p.id), from, to],
      )
    ).rows;
    const at = new Map(rows.map((r) => [r.id, Number(r.at)]));
    return sortNum(inWindow.filter((p) => at.has(p.id)).map((p) => p.receivedAt - at.get(p.id)!));
  };
  const eventsIn = async (from: number, to: number) =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM platform.outbox
          WHERE (type LIKE 'order.%' OR type LIKE 'payment.%')
            AND occurred_at >= to_timestamp($1 / 1000.0) AND occurred_at < to_timestamp($2 / 1000.0)`,
        [from, to],
      )
    ).rows[0].n;
  /** The delivery lag in two parts: occurredAt → queued (the fan-out consumer), queued → delivered (the deliverer). */
  const deliverySplit = async (from: number, to: number) => {
    const rows = (
      await db.query<{ queued: number; sent: number }>(
        `SELECT extract(epoch FROM d.created_at - o.occurred_at) * 1000 AS queued,
                extract(epoch FROM d.delivered_at - d.created_at) * 1000 AS sent
           FROM notification.webhook_deliveries d JOIN platform.outbox o ON o.id = d.event_id
          WHERE o.occurred_at >= to_timestamp($1 / 1000.0) AND o.occurred_at < to_timestamp($2 / 1000.0)
            AND d.status = 'succeeded'`,
        [from, to],
      )
    ).rows;
    return { queued: sortNum(rows.map((r) => Number(r.queued))), sent: sortNum(rows.map((r) => Number(r.sent))) };
  };

  await drive(server, 'warm-up', WARMUP, order);
  const row = (cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  lines.push(
    '| round | webhook | orders/s | BFF CPU µs/order | BFF CPU µs/order with the work after the load (its length) | errors | events to the webhook/s | deliveries/s during load | deliveries/s B start → last | delivery lag p50 / p99 / max ms | of which event → queued p50 / p99 ms | queued → delivered p50 / p99 ms | drain after load ms | inbox lag p50 / p99 ms | onNew push lag p50 / p99 ms (n) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (let r = 1; r <= ROUNDS; r++) {
    for (const active of [false, true]) {
      await setActive(active);
      const phase = await drive(server, active ? 'B' : 'A', DURATION, order);
      if (phase.errors) failed ??= new Error(`${phase.errors} failed orders (first: ${phase.firstError})`);
      // The webhook changes only once the consumers have taken every event of the phase (they read
      // the webhooks when they handle an event), and the next phase starts once its deliveries are done.
      await until(async () => (await unhandled(phase.start, phase.end)) === 0);
      if (active) await setActive(false);
      await until(async () => (await pendingDeliveries()) === 0);
      // The phase's whole cost: the requests, and the consumers' and the deliverer's work after them.
      const cpuDone = cpuSeconds(server.pid);
      const drained = Date.now();
      const secs = (phase.end - phase.start) / 1000;
      const inbox = await inboxLag(phase.start, phase.end);
      const push = await pushLag(phase.start, phase.end);
      const cells = [
        String(r),
        active ? 'active (B)' : 'inactive (A, baseline)',
        fmt(phase.orders / secs, 1),
        phase.cpuMicrosPerOrder === null ? '-' : fmt(phase.cpuMicrosPerOrder),
        phase.cpu0 === null || cpuDone === null || !phase.orders
          ? '-'
          : `${fmt(((cpuDone - phase.cpu0) * 1e6) / phase.orders)} (${fmt((drained - phase.end) / 1000, 1)} s)`,
        String(phase.errors),
      ];
      if (active) {
        const mine = receiver.got.filter((d) => d.occurredAt >= phase.start && d.occurredAt < phase.end);
        const events = await eventsIn(phase.start, phase.end);
        const lag = sortNum(mine.map((d) => d.receivedAt - d.occurredAt));
        const last = Math.max(...mine.map((d) => d.receivedAt));
        const during = receiver.got.filter((d) => d.receivedAt >= phase.start && d.receivedAt < phase.end).length;
        if (mine.length !== events)
          failed ??= new Error(`${events} matching events in phase B, ${mine.length} delivered: not a result`);
        const split = await deliverySplit(phase.start, phase.end);
        cells.push(
          fmt(events / secs, 1),
          fmt(during / secs, 1),
          fmt(mine.length / ((last - phase.start) / 1000), 1),
          `${fmt(quantile(lag, 0.5))} / ${fmt(quantile(lag, 0.99))} / ${fmt(lag[lag.length - 1])}`,
          `${fmt(quantile(split.queued, 0.5))} / ${fmt(quantile(split.queued, 0.99))}`,
          `${fmt(quantile(split.sent, 0.5))} / ${fmt(quantile(split.sent, 0.99))}`,
          fmt(Math.max(0, last - phase.end)),
        );
      } else cells.push('-', '-', '-', '-', '-', '-', '-');
      cells.push(
        `${fmt(quantile(inbox, 0.5))} / ${fmt(quantile(inbox, 0.99))}`,
        `${fmt(quantile(push, 0.5))} / ${fmt(quantile(push, 0.99))} (${push.length})`,
      );
      row(cells);
      console.error(`round ${r} ${active ? 'B' : 'A'} done (load ${loadAverage()})`);
    }
  }
  await subs.close();
  const { badSignatures, duplicates } = receiver.stats();
  if (badSignatures) failed ??= new Error(`${badSignatures} deliveries with a bad signature`);
  lines.push(
    '',
    `${receiver.got.length} deliveries received, ${badSignatures} bad signatures, ${duplicates} repeated delivery ids`,
  );
} catch (e) {
  failed = e;
} finally {
  await db.end().catch(() => undefined);
  await server?.stop();
  await receiver.close();
  await world.drop().catch((e: unknown) => console.error('could not clean the bench database/stream/keys up:', e));
}

console.log('\nzjmall webhooks and inbox under the checkout load (issue 20)');
console.log(machineLine());
console.log(
  `load: ${CONCURRENCY} concurrent buyers (node:http, keep-alive), ${WARMUP} s warm-up, ${ROUNDS} × (A ${DURATION} s, B ${DURATION} s); ${USERS} users, ${SKUS} SKUs; BFF: 1 process with its jobs, NODE_ENV=production, PostgreSQL + Redis + NATS; one webhook on order.* and payment.*, a local receiver answering 204; ${SUBSCRIBERS} onNew subscribers\n`,
);
for (const l of lines) console.log(l);
if (failed !== null) {
  console.error('\nWEBHOOK BENCHMARK FAILED:', failed instanceof Error ? failed.message : failed);
  process.exit(1);
}
