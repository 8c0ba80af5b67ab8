import { loadavg } from 'node:os';
import { newId } from '@zjmall/platform';
import { checkInvariants, type InvariantResult } from './invariants';
import { buyOne, percentile, product, Recorder, signUp, withRetries, type Buyer } from './load';
import { createWorld, type World, type WorldOptions } from './world';

export interface ScenarioResult {
  name: string;
  faults: string;
  rec: Recorder;
  invariants: InvariantResult[];
  /** The machine's 1-minute load average when the scenario started and when it ended. */
  load: [number, number];
}

export interface Scenario {
  name: string;
  faults: string;
  world: WorldOptions;
  run(w: World, rec: Recorder, checks: InvariantResult[]): Promise<{ soldLimit?: { skuId: string; stock: number } }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const T0 = Date.now();
/** Progress on stderr (the table goes to stdout). */
export const progress = (msg: string) => console.error(`  [${((Date.now() - T0) / 1000).toFixed(1)} s] ${msg}`);

/** Runs `fn` over `items` with at most `n` at once. */
async function pool<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

async function buyers(w: World, rec: Recorder, n: number): Promise<Buyer[]> {
  return pool(
    Array.from({ length: n }, (_, i) => i),
    16,
    (i) => signUp(w, rec, i % w.bffs.length),
  );
}

/** A timeline of faults: each step at its offset (ms) from the start. */
async function timeline(steps: [number, () => Promise<unknown> | unknown][]): Promise<void> {
  const t0 = Date.now();
  for (const [at, step] of steps) {
    await sleep(Math.max(0, t0 + at - Date.now()));
    await step();
    progress(`fault step at +${at} ms done`);
  }
}

/** The sale's bound: paid orders ≤ stock, and every paid order is one the buyers saw paid. */
async function saleChecks(w: World, skuId: string, stock: number, paidSeen: number, checks: InvariantResult[]) {
  const [r] = await w.sql<{ n: string }>(
    `SELECT count(DISTINCT o.id) AS n FROM "order".orders o JOIN "order".order_items i ON i.order_id = o.id
      WHERE i.sku_id = $1 AND o.status = 'paid'`,
    [skuId],
  );
  checks.push({
    name: 'paid ≤ stock, all seen',
    ok: Number(r.n) <= stock && Number(r.n) === paidSeen,
    detail: `${r.n} paid orders of ${stock} units (${paidSeen} seen paid by buyers)`,
  });
}

const flashSale = (
  name: string,
  faults: string,
  redlock: number,
  schedule: (w: World, rec: Recorder) => Promise<void>,
) =>
  ({
    name,
    faults,
    world: { bffs: 2, worker: true, redlock },
    async run(w, rec, checks) {
      const stock = 30;
      const { skuId } = await product(w, stock);
      const people = await buyers(w, rec, 150);
      progress('150 buyers signed up; sale starts');
      rec.reset();
      const sale = pool(people, 60, (b, i) => buyOne(w, rec, b, skuId, i % w.bffs.length));
      await schedule(w, rec);
      const results = await sale;
      progress('sale over');
      await saleChecks(w, skuId, stock, results.filter((p) => p.paid).length, checks);
      return { soldLimit: { skuId, stock } };
    },
  }) satisfies Scenario;

/**
 * Redis away for 30 s under a mixed browse/cart/checkout load on two BFFs: every request answered
 * within 1 s (p99) with data or a documented error, never a 500 or a timeout. Meanwhile the admin
 * renames the product and changes its price on bff-1 and watchers change their carts on bff-2, so
 * both processes lose cache invalidations; from the moment Redis is back, every read on either BFF
 * must show the new name, price and carts (nothing stale). `kill` restarts Redis empty; `pause`
 * (SIGSTOP/SIGCONT) brings it back with every entry it had, the stale ones among them.
 */
function redisAway(mode: 'kill' | 'pause'): Scenario {
  return {
    name: mode === 'kill' ? 'Redis down 30 s' : 'Redis frozen 30 s',
    faults:
      mode === 'kill'
        ? 'Redis -9 for 30 s (back empty) under browse/cart/checkout on 2 BFFs; writes meanwhile'
        : 'Redis SIGSTOP 30 s (back with its entries) under browse/cart/checkout on 2 BFFs; writes meanwhile',
    world: { bffs: 2, worker: true },
    async run(w, rec, checks) {
      const { productId, skuId } = await product(w, 100_000, 1_500);
      const people = await buyers(w, rec, 16);
      const watchers = await buyers(w, rec, 4);
      // Cached everywhere before the fault: the product on both BFFs, the watchers' carts on bff-1.
      for (const b of watchers) await b.clients[0].cart.addItem.mutate({ skuId, quantity: 1 });
      for (const i of [0, 1]) await w.client(i).catalog.product.query({ id: productId });
      for (const b of watchers) await b.clients[0].cart.get.query();
      rec.reset();
      let on = true;
      const loops = people.map(async (b, i) => {
        const c = b.clients[i % 2];
        for (let n = 0; on; n++) {
          const roll = (n * 7 + i) % 10;
          try {
            if (roll < 5) await rec.call(() => c.catalog.product.query({ id: productId }));
            else if (roll < 7) await rec.call(() => c.cart.get.query());
            else if (roll < 9) await rec.call(() => c.cart.addItem.mutate({ skuId, quantity: 1 }));
            else
              await rec.call(() =>
                c.order.checkout.mutate({ addressId: b.addressId, idempotencyKey: `co-${newId()}` }),
              );
          } catch {
            /* counted */
          }
        }
      });
      const name = `改名 ${newId().slice(-6)}`;
      const price = 1_234;
      const carts = new Map<number, number>();
      await timeline([
        [5_000, () => (mode === 'kill' ? w.redis.kill() : w.redis.pause())],
        [5_050, () => (rec.fault = true)],
        [
          15_000,
          async () => {
            await rec.call(() => w.admin.catalog.admin.setSkuPrice.mutate({ skuId, price }));
            await rec.call(() => w.admin.catalog.admin.updateProduct.mutate({ id: productId, name }));
            for (const [i, b] of watchers.entries()) {
              const cart = await rec.call(() => b.clients[1].cart.addItem.mutate({ skuId, quantity: 2 }));
              carts.set(i, cart.totalQuantity);
            }
          },
        ],
        [35_000, () => (rec.fault = false)],
        [35_050, () => (mode === 'kill' ? w.redis.start() : w.redis.resume())],
      ]);
      // From the moment Redis answers again: every read, on either BFF, is fresh.
      let reads = 0;
      const stale: string[] = [];
      const until = Date.now() + 8_000;
      while (Date.now() < until) {
        await Promise.all([
          ...[0, 1].map(async (i) => {
            const p = await w.client(i).catalog.product.query({ id: productId });
            reads++;
            if (p.name !== name || p.skus[0].price !== price)
              stale.push(`bff-${i + 1} product ${p.name}/${p.skus[0].price}`);
          }),
          ...watchers.map(async (b, k) => {
            const i = k % 2;
            const cart = await b.clients[i].cart.get.query();
            reads++;
            if (cart.totalQuantity !== carts.get(k))
              stale.push(`bff-${i + 1} cart ${cart.totalQuantity}≠${carts.get(k)}`);
          }),
        ]);
        await sleep(50);
      }
      on = false;
      await Promise.all(loops);
      checks.push({
        name: 'nothing stale after it returns',
        ok: stale.length === 0 && carts.size === watchers.length,
        detail: `${stale.length} stale of ${reads} reads${stale.length ? ` (first: ${stale[0]})` : ''}`,
      });
      const p99 = percentile(rec.faultMs, 99);
      checks.push({ name: 'answered < 1 s while away (p99)', ok: p99 < 1_000, detail: `p99 ${p99.toFixed(0)} ms` });
      const bad = rec.errorCount(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'timeout', 'network']);
      checks.push({ name: 'no 500/503, no timeout', ok: bad === 0, detail: `${bad} of ${rec.requests}` });
      return {};
    },
  };
}

export const scenarios: Scenario[] = [
  flashSale('flash sale', 'worker -9, Redis -9, NATS stop mid-sale', 0, (w, rec) =>
    timeline([
      [300, () => (rec.fault = true)],
      [400, () => w.worker!.kill()],
      [1_200, () => w.redis.kill()],
      [2_000, () => w.nats.stop()],
      [6_000, () => w.redis.start()],
      [8_000, () => w.nats.start()],
      [9_000, () => w.worker!.restart()],
      [9_100, () => (rec.fault = false)],
    ]),
  ),

  {
    name: 'BFF kill -9 mid-checkout',
    faults: 'bff-1 -9 during 60 checkouts; retries, same keys, on bff-2',
    world: { bffs: 2, worker: true },
    async run(w, rec, checks) {
      const { skuId } = await product(w, 500);
      const people = await buyers(w, rec, 60);
      for (const b of people) await withRetries(rec, 3, () => b.clients[1].cart.addItem.mutate({ skuId, quantity: 1 }));
      const keys = people.map(() => `co-${newId()}`);
      rec.reset();
      rec.fault = true;
      const first = people.map((b, i) =>
        withRetries(rec, 6, (a) =>
          b.clients[a === 0 ? 0 : 1].order.checkout.mutate({ addressId: b.addressId, idempotencyKey: keys[i] }),
        ).catch(() => null),
      );
      await sleep(300);
      await w.bffs[0].kill();
      const orders = await Promise.all(first);
      rec.fault = false;
      // Every key again, on the survivor: the same order each time.
      const again = await Promise.all(
        people.map((b, i) =>
          withRetries(rec, 3, () =>
            b.clients[1].order.checkout.mutate({ addressId: b.addressId, idempotencyKey: keys[i] }),
          ).catch(() => null),
        ),
      );
      const same = orders.every((o, i) => o !== null && again[i]?.id === o.id);
      checks.push({
        name: 'same key, same order',
        ok: same,
        detail: `${orders.filter(Boolean).length}/60 placed; ${again.filter((o, i) => o && o.id === orders[i]?.id).length} retries matched`,
      });
      const twice = await w.sql(`SELECT user_id FROM "order".orders GROUP BY user_id HAVING count(*) > 1`);
      checks.push({
        name: 'one order per checkout',
        ok: twice.length === 0,
        detail: `${twice.length} buyers with two`,
      });
      await w.bffs[0].restart();
      return { soldLimit: { skuId, stock: 500 } };
    },
  },

  redisAway('kill'),
  redisAway('pause'),

  {
    name: 'NATS down 30 s',
    faults: 'NATS stop 30 s: orders cancelled, carts changed on bff-2, worker -9 and started again while NATS is away',
    world: { bffs: 2, worker: true },
    async run(w, rec, checks) {
      const { skuId } = await product(w, 1_000);
      const people = await buyers(w, rec, 20);
      const orders = await pool(people, 10, async (b) => {
        await b.clients[0].cart.addItem.mutate({ skuId, quantity: 1 });
        const o = await b.clients[0].order.checkout.mutate({ addressId: b.addressId, idempotencyKey: `co-${newId()}` });
        await b.clients[0].payment.create.mutate({
          orderId: o.id,
          channel: 'sandbox_alipay',
          idempotencyKey: `p-${newId()}`,
        });
        return o.id;
      });
      rec.reset();
      await w.nats.stop();
      rec.fault = true;
      const t0 = Date.now();
      // The only process with the durable consumers dies and must start without NATS: the payments
      // of the orders cancelled now are closed by its consumers once NATS is back.
      await w.worker!.kill();
      await w.worker!.restart();
      progress('worker restarted while NATS is away');
      const cancelled = await pool(people, 10, (b, i) =>
        rec
          .call(() => b.clients[0].order.cancel.mutate({ id: orders[i] }))
          .then(
            () => true,
            () => false,
          ),
      );
      checks.push({
        name: 'orders cancelled while away',
        ok: cancelled.every(Boolean),
        detail: `${cancelled.filter(Boolean).length} of ${orders.length}`,
      });
      const want = new Map<number, number>();
      while (Date.now() - t0 < 30_000) {
        await pool(people, 10, async (b, i) => {
          const cart = await rec.call(() => b.clients[1].cart.addItem.mutate({ skuId, quantity: 1 })).catch(() => null);
          if (cart) want.set(i, cart.totalQuantity);
          await rec.call(() => b.clients[0].cart.get.query()).catch(() => null);
        });
      }
      rec.fault = false;
      await w.nats.start();
      let stale = 0;
      await sleep(3_000);
      for (const [i, q] of want) {
        const cart = await withRetries(rec, 3, () => people[i].clients[0].cart.get.query());
        if (cart.totalQuantity !== q) stale++;
      }
      checks.push({
        name: 'no stale cart after',
        ok: stale === 0 && want.size === people.length,
        detail: `${stale} of ${want.size} carts stale on bff-1`,
      });
      const [closed] = await w.sql<{ n: string }>(
        `SELECT count(*) AS n FROM payment.payments WHERE order_id = ANY($1::uuid[]) AND status = 'closed'`,
        [orders],
      );
      // (the invariants wait for the reactions; this says they were these payments)
      progress(`${closed.n} of ${orders.length} payments closed so far`);
      return {};
    },
  },

  flashSale('Redlock 1 of 3 dies', 'one of three REDLOCK_URLS servers -9 mid-sale', 3, (w, rec) =>
    timeline([
      [300, () => (rec.fault = true)],
      [800, () => w.redlock[1].kill()],
      [8_000, () => (rec.fault = false)],
    ]),
  ),

  {
    name: 'callback storm',
    faults: '15 approve/decline callbacks per payment at once, both BFFs',
    world: { bffs: 2, worker: true },
    async run(w, rec, checks) {
      const { skuId } = await product(w, 1_000);
      const people = await buyers(w, rec, 30);
      const payments = await pool(people, 10, async (b) => {
        await b.clients[0].cart.addItem.mutate({ skuId, quantity: 1 });
        const o = await b.clients[0].order.checkout.mutate({ addressId: b.addressId, idempotencyKey: `co-${newId()}` });
        return b.clients[0].payment.create.mutate({
          orderId: o.id,
          channel: 'sandbox_alipay',
          idempotencyKey: `p-${newId()}`,
        });
      });
      rec.reset();
      rec.fault = true;
      await Promise.all(
        payments.flatMap((p) =>
          Array.from({ length: 15 }, (_, k) =>
            rec
              .call(async () => {
                const r = await fetch(
                  `${w.bffs[k % 2].url}/sandbox/pay/${p.id}/${k % 3 === 2 ? 'decline' : 'approve'}`,
                  {
                    method: 'POST',
                    signal: AbortSignal.timeout(10_000),
                  },
                );
                if (r.status >= 500) throw new Error(`callback answered ${r.status}`);
              })
              .catch(() => null),
          ),
        ),
      );
      rec.fault = false;
      const [r] = await w.sql<{ paid: string; ok: string }>(
        `SELECT count(*) FILTER (WHERE o.status = 'paid') AS paid,
                count(*) FILTER (WHERE (o.status = 'paid') = (p.status = 'succeeded')) AS ok
           FROM payment.payments p JOIN "order".orders o ON o.id = p.order_id`,
      );
      checks.push({
        name: 'order paid ⇔ payment succeeded',
        ok: Number(r.ok) === payments.length,
        detail: `${r.paid} paid; ${r.ok}/${payments.length} consistent`,
      });
      return {};
    },
  },
];

/** The short run in `npm test` (tests/chaos.test.ts): a small sale with Redis and NATS killed, invariants only. */
export const shortScenario: Scenario = {
  name: 'short: sale, Redis and NATS away',
  faults: 'Redis -9 and NATS stop for ~3 s during a 12-buyer sale of 5 units',
  world: { bffs: 1, worker: false },
  async run(w, rec, checks) {
    const stock = 5;
    const { skuId } = await product(w, stock);
    const people = await buyers(w, rec, 12);
    const sale = pool(people, 12, (b) => buyOne(w, rec, b, skuId, 0));
    await timeline([
      [200, () => w.redis.kill()],
      [400, () => w.nats.stop()],
      [3_000, () => w.redis.start()],
      [3_500, () => w.nats.start()],
    ]);
    const results = await sale;
    await saleChecks(w, skuId, stock, results.filter((p) => p.paid).length, checks);
    return { soldLimit: { skuId, stock } };
  },
};

/** One scenario in its own world; the world is torn down whatever happens. */
export async function runScenario(s: Scenario): Promise<ScenarioResult> {
  const rec = new Recorder();
  const checks: InvariantResult[] = [];
  const loadAtStart = loadavg()[0];
  const w = await createWorld(s.name, s.world);
  progress('world up');
  try {
    const r = await s.run(w, rec, checks);
    progress('scenario done; checking invariants');
    checks.push(...(await checkInvariants(w, r)));
  } catch (e) {
    checks.push({ name: 'scenario ran', ok: false, detail: e instanceof Error ? e.message.slice(0, 300) : String(e) });
  } finally {
    await w.close().catch(() => {});
  }
  return { name: s.name, faults: s.faults, rec, invariants: checks, load: [loadAtStart, loadavg()[0]] };
}

export function table(results: ScenarioResult[]): string {
  const rows = results.map((r) => {
    const errors = [...r.rec.errors].map(([k, v]) => `${k} ${v}`).join(', ') || '—';
    const p = (q: number, xs = r.rec.faultMs) => (xs.length ? percentile(xs, q).toFixed(0) : '—');
    const failed = r.invariants.filter((c) => !c.ok);
    const inv = failed.length
      ? `FAIL: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`
      : `ok (${r.invariants.length})`;
    const load = r.load.map((l) => l.toFixed(1)).join(' → ');
    return `| ${r.name} | ${r.faults} | ${r.rec.requests} | ${errors} | ${p(50)} / ${p(99)} ms | ${p(50, r.rec.calmMs)} / ${p(99, r.rec.calmMs)} ms | ${inv} | ${load} |`;
  });
  return [
    '| scenario | faults | requests | errors by kind | p50 / p99 during the fault | p50 / p99 outside it (same run) | invariants | load (1 min) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
