import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import pg from 'pg';
import { createShopClient } from '@zjmall/client';
import type { ClientEvent, ClientJob } from './sale-queue-client';
import {
  benchEnvironment,
  bffNodeArgs,
  cpuSeconds,
  freePort,
  machineLine,
  processCpuSeconds,
  startServer,
  type ChildServer,
} from './harness';

/**
 * A queued sale over HTTP against apps/bff in the production configuration (PostgreSQL, Redis,
 * NATS, jobs running — the admitter among them): STOCK units, BUYERS signed-in customers (users,
 * addresses and tokens made by the bench in SQL; rate limit off) spread over CLIENTS client
 * processes (sale-queue-client.ts), who all join at once (WIDTH joins at a time per client), follow
 * their ticket over SSE (`sale.onTicket`, one connection per buyer) and, when admitted, add one unit
 * and check out. Checks: exactly STOCK units ordered, nobody with more than one, admissions in ticket
 * order, every buyer not admitted told sold out, and each buyer's second unit refused (PURCHASE_LIMIT:
 * both SKUs carry a purchase limit of 1). Prints joins/s, admissions/s, wait p50/p99 (join →
 * admitted, as the buyer saw it), the time from the sell-out (the last unit's add answered) to the
 * last sold-out notice, and the CPU seconds of the BFF and of PostgreSQL over the sale.
 *
 * Baseline, in the same run and on the same BFF (`--baseline`, default on): the same buyers and as
 * many units of another SKU without a queue — every buyer adds and checks out at once (the lock storm
 * the queue replaces): units sold, refusals, time to sell out and the same CPU figures.
 *
 *   npx tsx infra/bench/sale-queue.ts [--stock 100] [--buyers 2000] [--clients 4] [--width 32] [--no-baseline]
 */
const { values: flags } = parseArgs({
  options: {
    stock: { type: 'string', default: '100' },
    buyers: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '4' },
    width: { type: 'string', default: '32' },
    baseline: { type: 'boolean', default: true },
    'no-baseline': { type: 'boolean', default: false },
  },
});
const STOCK = Number(flags.stock);
const BUYERS = Number(flags.buyers);
const CLIENTS = Number(flags.clients);
const WIDTH = Number(flags.width);
const BASELINE = flags.baseline && !flags['no-baseline'];

async function token(secret: string, sub: string, role: 'customer' | 'admin'): Promise<string> {
  return new SignJWT({ typ: 'user', role, ver: 0 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer('zjmall')
    .setAudience('zjmall')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 86_400)
    .sign(new TextEncoder().encode(secret));
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one phase over CLIENTS forked client processes; `until` decides when it is over (or the deadline). */
async function phase(
  job: Omit<ClientJob, 'buyers'>,
  buyers: ClientJob['buyers'],
  onEvent: (e: ClientEvent) => void,
  until: (clientsDone: number) => boolean,
  deadlineMs: number,
  onStart: () => void,
): Promise<boolean> {
  const children: ChildProcess[] = [];
  let done = 0;
  let ready = 0;
  for (let c = 0; c < CLIENTS; c++) {
    const child = fork(new URL('./sale-queue-client.ts', import.meta.url).pathname, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (e: ClientEvent) => (e.k === 'done' ? done++ : e.k === 'ready' ? ready++ : onEvent(e)));
    children.push(child);
  }
  // Every client up (its code loaded) before any starts: the buyers join at once.
  while (ready < CLIENTS) await sleep(20);
  onStart();
  children.forEach((child, c) => child.send({ ...job, buyers: buyers.filter((_, k) => k % CLIENTS === c) }));
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline && !until(done)) await sleep(50);
  const ok = until(done);
  for (const child of children) {
    if (child.connected) child.send('stop');
  }
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((r) => {
          if (child.exitCode !== null) return r();
          child.once('exit', () => r());
          setTimeout(() => (child.kill('SIGKILL'), r()), 5_000).unref();
        }),
    ),
  );
  return ok;
}

async function main() {
  const world = await benchEnvironment({ RUN_JOBS: 'true', SANDBOX_PAYMENTS: 'true', DB_POOL_MAX: '20' });
  let bff: ChildServer | null = null;
  try {
    bff = await startServer({
      name: 'BFF',
      script: 'apps/bff/src/main.ts',
      env: world.env,
      port: await freePort(),
      timeoutMs: 90_000,
      nodeArgs: bffNodeArgs(),
    });
    const base = bff.url;
    const db = new pg.Client({ connectionString: world.env.DATABASE_URL });
    await db.connect();
    const adminId = randomUUID();
    const ids = Array.from({ length: BUYERS }, () => randomUUID());
    const addressIds = ids.map(() => randomUUID());
    await db.query(
      `INSERT INTO identity.users (id, email, password_hash, name, role)
       SELECT id, 'bench-' || id || '@bench.example', '!', 'Bench', CASE WHEN id = $2 THEN 'admin' ELSE 'customer' END
         FROM unnest($1::uuid[]) AS id`,
      [[adminId, ...ids], adminId],
    );
    await db.query(
      `INSERT INTO identity.addresses (id, user_id, receiver, phone, province, city, district, detail, is_default)
       SELECT a, u, '买家', '13800138000', '上海', '上海', '浦东', '世纪大道 ' || n || ' 号', true
         FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS x(a, u, n)`,
      [addressIds, ids],
    );
    const secret = world.env.JWT_SECRET;
    const admin = createShopClient(base, { token: await token(secret, adminId, 'admin') });
    const cat = await admin.catalog.admin.createCategory.mutate({ name: `sale ${randomUUID().slice(0, 8)}` });
    const sku = async (name: string) => {
      const p = await admin.catalog.admin.createProduct.mutate({
        name,
        categoryId: cat.id,
        skus: [{ code: `QS-${randomUUID().slice(0, 8)}`, spec: {}, price: 9_900, initialStock: STOCK }],
      });
      await admin.catalog.admin.publish.mutate({ id: p.id });
      // One unit per customer (catalog.admin.setPurchaseLimit): cart, merge and checkout hold it.
      await admin.catalog.admin.setPurchaseLimit.mutate({ skuId: p.skus[0].id, limit: 1 });
      return p.skus[0].id;
    };
    const queuedSku = await sku('Queued sale');
    const directSku = await sku('Sale without a queue');
    const buyers = await Promise.all(
      ids.map(async (id, i) => ({ i, token: await token(secret, id, 'customer'), addressId: addressIds[i] })),
    );
    const soldPerUser = async (skuId: string) =>
      (
        await db.query<{ units: number; over: number }>(
          `SELECT coalesce(sum(quantity), 0)::int AS units, count(*) FILTER (WHERE quantity > 1)::int AS over
             FROM (SELECT o.user_id, sum(i.quantity) AS quantity
                     FROM "order".orders o JOIN "order".order_items i ON i.order_id = o.id
                    WHERE i.sku_id = $1 AND o.status <> 'cancelled' GROUP BY o.user_id) u`,
          [skuId],
        )
      ).rows[0];
    // CPU of the BFF process and of the PostgreSQL backends serving this bench's database (found in
    // pg_stat_activity every 250 ms; a backend first seen after the start counts from zero): other
    // work on the machine, other databases included, is not counted.
    const dbName = new URL(world.env.DATABASE_URL).pathname.slice(1);
    const cpu = () => {
      const first = new Map<number, number>();
      const latest = new Map<number, number>();
      let polls = 0;
      const poll = async (start: boolean) => {
        const { rows } = await db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [dbName],
        );
        for (const { pid } of rows) {
          const c = processCpuSeconds(pid);
          if (c === null) continue;
          if (!first.has(pid)) first.set(pid, start ? c : 0);
          latest.set(pid, c);
        }
        polls++;
      };
      const bffAt = cpuSeconds(bff!.pid) ?? NaN;
      const at = Date.now();
      let polling = poll(true);
      const timer = setInterval(() => (polling = polling.then(() => poll(false))), 250);
      return async () => {
        clearInterval(timer);
        await polling;
        await poll(false);
        let pgCpu = 0;
        for (const [pid, c] of latest) pgCpu += c - (first.get(pid) ?? 0);
        return { bff: (cpuSeconds(bff!.pid) ?? NaN) - bffAt, pg: pgCpu, s: (Date.now() - at) / 1000, polls };
      };
    };
    type Meter = ReturnType<typeof cpu>;
    const lines: string[] = [];
    let ok = true;

    // Baseline: the same buyers, as many units, no queue.
    if (BASELINE) {
      const retries: string[] = [];
      let added = 0;
      let bought = 0;
      let refused = 0;
      let limited = 0;
      const failures: string[] = [];
      let first = 0;
      let lastAnswer = 0;
      const m: { stop: Meter | null } = { stop: null };
      let started = Date.now();
      const finished = await phase(
        { mode: 'direct', base, skuId: directSku, width: WIDTH },
        buyers,
        (e) => {
          if (e.k === 'added') added++;
          if (e.k === 'bought') bought++;
          if (e.k === 'refused') refused++;
          if (e.k === 'limited') limited++;
          if (e.k === 'failed') failures.push(e.error);
          if (e.k === 'retried') retries.push(`${e.step}: ${e.why}`);
          if (e.k === 'bought' || e.k === 'refused') {
            first ||= e.t;
            lastAnswer = Math.max(lastAnswer, e.t);
          }
        },
        (done) => done === CLIENTS,
        600_000,
        () => {
          m.stop = cpu();
          started = Date.now();
        },
      );
      const used = await m.stop!();
      const { units, over } = await soldPerUser(directSku);
      lines.push(
        `baseline, no queue: ${BUYERS} buyers add and check out at once (${CLIENTS} clients × ${WIDTH} at a time)`,
        `  units sold ${units} (expected ${STOCK}); over one ${over}; added ${added}, bought ${bought}, refused INSUFFICIENT_STOCK ${refused}, second unit refused PURCHASE_LIMIT ${limited} of ${bought}, other failures ${failures.length}`,
        `  every buyer answered in ${((lastAnswer - started) / 1000).toFixed(1)} s`,
        `  CPU over ${used.s.toFixed(1)} s: BFF ${used.bff.toFixed(1)} s, PostgreSQL (this database's backends) ${used.pg.toFixed(1)} s (${((used.bff * 1000) / BUYERS).toFixed(1)} + ${((used.pg * 1000) / BUYERS).toFixed(1)} ms per buyer)`,
      );
      if (retries.length) lines.push(`  requests sent again after no answer: ${retries.length} (${retries[0]})`);
      if (failures.length) lines.push(`  failures: ${failures.slice(0, 3).join(' | ')}`);
      ok &&= finished && units === STOCK && over === 0 && limited === bought && !failures.length;
    }

    // The queued sale.
    const now = Date.now();
    await admin.catalog.admin.setSale.mutate({
      skuId: queuedSku,
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      queued: true,
    });
    const joinedAt = new Map<number, number>();
    const admittedAt = new Map<number, number>();
    const soldOutAt = new Map<number, number>();
    const bought = new Set<number>();
    let limited = 0;
    const failures: string[] = [];
    const retries: string[] = [];
    let streams = 0;
    let lastAdd = 0;
    const m: { stop: Meter | null } = { stop: null };
    let started = Date.now();
    const finished = await phase(
      { mode: 'queued', base, skuId: queuedSku, width: WIDTH },
      buyers,
      (e) => {
        if (e.k === 'joined') joinedAt.set(e.i, e.t);
        if (e.k === 'streaming') streams++;
        if (e.k === 'state' && e.state === 'admitted' && !admittedAt.has(e.i)) admittedAt.set(e.i, e.t);
        if (e.k === 'state' && e.state === 'sold_out' && !soldOutAt.has(e.i)) soldOutAt.set(e.i, e.t);
        if (e.k === 'added') lastAdd = Math.max(lastAdd, e.t);
        if (e.k === 'bought') bought.add(e.i);
        if (e.k === 'limited') limited++;
        if (e.k === 'failed' || e.k === 'refused') failures.push(e.k === 'failed' ? e.error : e.appCode);
        if (e.k === 'retried') retries.push(`${e.step}: ${e.why}`);
      },
      // Over when every unit is bought and every buyer not admitted has been told sold out.
      () =>
        joinedAt.size + failures.length >= BUYERS &&
        limited + failures.length >= STOCK &&
        [...joinedAt.keys()].every((i) => admittedAt.has(i) || soldOutAt.has(i)),
      600_000,
      () => {
        m.stop = cpu();
        started = Date.now();
      },
    );
    const used = await m.stop!();
    const { units, over } = await soldPerUser(queuedSku);
    const admittedRows = (
      await db.query<{ seq: number; at: number; wait: number }>(
        `SELECT t.seq, extract(epoch FROM t.admitted_at)::float8 * 1000 AS at,
                extract(epoch FROM t.admitted_at - t.created_at)::float8 * 1000 AS wait
           FROM catalog.sale_tickets t JOIN catalog.sales s ON s.id = t.sale_id
          WHERE s.sku_id = $1 AND t.admitted_at IS NOT NULL ORDER BY t.admitted_at, t.seq`,
        [queuedSku],
      )
    ).rows;
    const seqs = admittedRows.map((r) => r.seq);
    const serverSpan = (Math.max(...admittedRows.map((r) => r.at)) - Math.min(...admittedRows.map((r) => r.at))) / 1000;
    const serverWaits = admittedRows.map((r) => Math.round(r.wait));
    await db.end();
    const inOrder = seqs.every((s, k) => s === k + 1);
    const joins = [...joinedAt.values()];
    const admissions = [...admittedAt.values()];
    const span = (Math.max(...admissions) - Math.min(...admissions)) / 1000;
    const waits = [...admittedAt].map(([i, t]) => t - joinedAt.get(i)!);
    const waiting = [...joinedAt.keys()].filter((i) => !admittedAt.has(i)).length;
    const told = [...soldOutAt.keys()].filter((i) => !admittedAt.has(i)).length;
    // The sell-out: the last unit's add answered. Buyers who joined before it were waiting and are told
    // by the pass that sees it; later ones are told by the first pass after their join.
    const sellOut = lastAdd;
    const notAdmitted = [...joinedAt.keys()].filter((i) => !admittedAt.has(i) && soldOutAt.has(i));
    const early = notAdmitted.filter((i) => joinedAt.get(i)! < sellOut).map((i) => soldOutAt.get(i)! - sellOut);
    const late = notAdmitted
      .filter((i) => joinedAt.get(i)! >= sellOut)
      .map((i) => soldOutAt.get(i)! - joinedAt.get(i)!);
    lines.push(
      `queued sale: ${STOCK} units, ${BUYERS} buyers (${CLIENTS} clients × ${WIDTH} joins at a time, one SSE stream each)`,
      `  joined ${joinedAt.size} in ${((Math.max(...joins) - started) / 1000).toFixed(1)} s (${(joinedAt.size / ((Math.max(...joins) - started) / 1000)).toFixed(0)} joins/s); streams opened ${streams}`,
      `  units sold ${units} (expected ${STOCK}); buyers over the purchase limit of 1: ${over}; second unit refused PURCHASE_LIMIT ${limited} of ${bought.size}`,
      `  admitted ${seqs.length}, in ticket order: ${inOrder}`,
      `  told sold out ${told} of ${waiting} not admitted`,
      `  admissions/s as the buyers saw them ${(admissions.length / Math.max(span, 0.001)).toFixed(1)} (${admissions.length} over ${span.toFixed(2)} s)`,
      `  server side (the tickets' rows): ${(seqs.length / Math.max(serverSpan, 0.001)).toFixed(1)} admissions/s (over ${serverSpan.toFixed(2)} s), wait ticket issued → admitted p50 ${pct(serverWaits, 50)} ms, p99 ${pct(serverWaits, 99)} ms`,
      `  wait join answered → admission seen on the stream p50 ${pct(waits, 50)} ms, p99 ${pct(waits, 99)} ms`,
      `  sell-out (last unit's add answered) at ${((sellOut - started) / 1000).toFixed(1)} s, ${early.length} buyers waiting then: sell-out → their sold-out notice p50 ${pct(early, 50)} ms, last ${Math.max(...early)} ms`,
      late.length
        ? `  ${late.length} buyers joined after the sell-out: join answered → sold-out notice p50 ${pct(late, 50)} ms, p99 ${pct(late, 99)} ms`
        : '  nobody joined after the sell-out',
      `  CPU over ${used.s.toFixed(1)} s: BFF ${used.bff.toFixed(1)} s, PostgreSQL (this database's backends) ${used.pg.toFixed(1)} s (${((used.bff * 1000) / BUYERS).toFixed(1)} + ${((used.pg * 1000) / BUYERS).toFixed(1)} ms per buyer)`,
    );
    if (retries.length) lines.push(`  requests sent again after no answer: ${retries.length} (${retries[0]})`);
    if (failures.length) lines.push(`  failures ${failures.length}: ${failures.slice(0, 3).join(' | ')}`);
    ok &&=
      finished &&
      units === STOCK &&
      over === 0 &&
      inOrder &&
      seqs.length === STOCK &&
      limited === STOCK &&
      told === waiting &&
      waiting === BUYERS - STOCK &&
      !failures.length;

    console.log(`\nQueued sale — ${machineLine()}`);
    console.log('SALE_ADMISSION_RATE default (50), purchase limit 1 per customer on both SKUs');
    for (const l of lines) console.log(l);
    console.log(ok ? 'OK' : 'FAILED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await bff?.stop();
    await world.drop();
  }
}

await main();
