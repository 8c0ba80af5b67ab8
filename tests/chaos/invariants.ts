import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { connect } from '@nats-io/transport-node';
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

/** Every outbox row's id is the Nats-Msg-Id of exactly one message in the stream, and nothing else is there. */
async function streamMatchesOutbox(w: World): Promise<[boolean, string]> {
  const rows = await w.sql<{ id: string }>(`SELECT id FROM platform.outbox`);
  const nc = await connect({ servers: w.nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(DEFAULT_STREAM);
    const js = jetstream(nc);
    const consumer = await js.consumers.get(DEFAULT_STREAM);
    const seen = new Map<string, number>();
    const total = info.state.messages;
    if (total > 0) {
      const msgs = await consumer.fetch({ max_messages: total, expires: 10_000 });
      let n = 0;
      for await (const m of msgs) {
        const id = m.headers?.get('Nats-Msg-Id') ?? '';
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (++n >= total) break;
      }
    }
    const missing = rows.filter((r) => !seen.has(r.id)).length;
    const twice = [...seen.values()].filter((c) => c > 1).length;
    const ids = new Set(rows.map((r) => r.id));
    const extra = [...seen.keys()].filter((id) => !ids.has(id)).length;
    return [
      missing === 0 && twice === 0 && extra === 0,
      `${rows.length} rows, ${total} messages; ${missing} missing, ${twice} twice, ${extra} unknown`,
    ];
  } finally {
    await nc.close();
  }
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
