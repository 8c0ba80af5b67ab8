import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import pg from 'pg';
import { createShopClient, type ShopClient } from '@zjmall/client';
import { benchEnvironment, bffNodeArgs, freePort, machine, startServer, type ChildServer } from './harness';

/**
 * A queued sale over HTTP against apps/bff in the production configuration (PostgreSQL, Redis,
 * NATS, jobs running — the admitter among them): STOCK units, BUYERS signed-in customers (users
 * and tokens made by the bench; rate limit off) who all join at once, follow their ticket over SSE
 * (`sale.onTicket`) and, when admitted, add one unit and check out. Checks: exactly STOCK units
 * ordered, nobody with more than one, admissions in ticket order, every other buyer told sold out.
 * Prints admissions/s, wait p50/p99 (join → admitted, as the buyer saw it) and the time from the
 * sell-out (the last unit's add) to the last sold-out notice.
 *
 *   npx tsx infra/bench/sale-queue.ts [--stock 100] [--buyers 2000]
 */
const { values: flags } = parseArgs({
  options: { stock: { type: 'string', default: '100' }, buyers: { type: 'string', default: '2000' } },
});
const STOCK = Number(flags.stock);
const BUYERS = Number(flags.buyers);

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

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
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
    await db.query(
      `INSERT INTO identity.users (id, email, password_hash, name, role)
       SELECT id, 'bench-' || id || '@bench.example', '!', 'Bench', CASE WHEN id = $2 THEN 'admin' ELSE 'customer' END
         FROM unnest($1::uuid[]) AS id`,
      [[adminId, ...ids], adminId],
    );
    const secret = world.env.JWT_SECRET;
    const admin = createShopClient(base, { token: await token(secret, adminId, 'admin') });
    const cat = await admin.catalog.admin.createCategory.mutate({ name: `sale ${randomUUID().slice(0, 8)}` });
    const p = await admin.catalog.admin.createProduct.mutate({
      name: 'Queued sale',
      categoryId: cat.id,
      skus: [{ code: `QS-${randomUUID().slice(0, 8)}`, spec: {}, price: 9_900, initialStock: STOCK }],
    });
    await admin.catalog.admin.publish.mutate({ id: p.id });
    const skuId = p.skus[0].id;
    const now = Date.now();
    await admin.catalog.admin.setSale.mutate({
      skuId,
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      queued: true,
    });
    const clients: ShopClient[] = await Promise.all(
      ids.map(async (id) => createShopClient(base, { token: await token(secret, id, 'customer') })),
    );

    const joinedAt = new Array<number>(BUYERS).fill(0);
    const admittedAt: number[] = [];
    const waits: number[] = [];
    const soldOutAt = new Map<number, number>();
    const bought: number[] = [];
    const failures: string[] = [];
    let lastAdd = 0;
    const subs: { unsubscribe(): void }[] = [];
    const started = Date.now();
    await pool(clients, 128, async (c, i) => {
      const t = await c.sale.join.mutate({ skuId, quantity: 1 });
      joinedAt[i] = Date.now();
      let admitted = false;
      subs.push(
        c.sale.onTicket.subscribe(
          { ticketId: t.ticketId },
          {
            onData: (x) => {
              if (x.state === 'sold_out' && !soldOutAt.has(i)) soldOutAt.set(i, Date.now());
              if (x.state !== 'admitted' || admitted) return;
              admitted = true;
              admittedAt.push(Date.now());
              waits.push(Date.now() - joinedAt[i]);
              void (async () => {
                const a = await c.address.create.mutate({
                  receiver: '买家',
                  phone: '13800138000',
                  province: '上海',
                  city: '上海',
                  district: '浦东',
                  detail: `${i} 号`,
                });
                await c.cart.addItem.mutate({ skuId, quantity: 1 });
                lastAdd = Date.now();
                await c.order.checkout.mutate({ addressId: a.id, idempotencyKey: randomUUID() });
                bought.push(i);
              })().catch((e: unknown) => failures.push(String(e)));
            },
            onError: (e) => failures.push(`stream ${i}: ${String(e)}`),
          },
        ),
      );
    });
    console.log(`${BUYERS} joined in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && (bought.length + failures.length < STOCK || soldOutAt.size < BUYERS - STOCK)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const s of subs) s.unsubscribe();

    const [{ units, over }] = (
      await db.query<{ units: number; over: number }>(
        `SELECT coalesce(sum(quantity), 0)::int AS units,
                count(*) FILTER (WHERE per_user > 1)::int AS over
           FROM (SELECT o.user_id, sum(i.quantity) AS quantity, sum(i.quantity) AS per_user
                   FROM "order".orders o JOIN "order".order_items i ON i.order_id = o.id
                  WHERE i.sku_id = $1 AND o.status <> 'cancelled' GROUP BY o.user_id) u`,
        [skuId],
      )
    ).rows;
    const seqs = (
      await db.query<{ seq: number }>(
        `SELECT t.seq FROM catalog.sale_tickets t JOIN catalog.sales s ON s.id = t.sale_id
          WHERE s.sku_id = $1 AND t.admitted_at IS NOT NULL ORDER BY t.admitted_at, t.seq`,
        [skuId],
      )
    ).rows.map((r) => r.seq);
    await db.end();
    const inOrder = seqs.every((s, k) => s === k + 1);
    const span = (Math.max(...admittedAt) - Math.min(...admittedAt)) / 1000;
    const lastNotice = Math.max(...soldOutAt.values());
    console.log(`\nQueued sale — ${machine()}`);
    console.log(`stock ${STOCK}, buyers ${BUYERS}, SALE_ADMISSION_RATE default`);
    console.log(`units sold ${units} (expected ${STOCK}); buyers over a limit of 1: ${over}`);
    console.log(`admitted ${seqs.length}, in ticket order: ${inOrder}`);
    console.log(`told sold out ${soldOutAt.size} of ${BUYERS - STOCK} waiting`);
    console.log(`admissions/s ${(admittedAt.length / Math.max(span, 0.001)).toFixed(1)} (over ${span.toFixed(2)} s)`);
    console.log(`wait join → admitted p50 ${pct(waits, 50)} ms, p99 ${pct(waits, 99)} ms`);
    console.log(`sell-out (last add) → last sold-out notice ${lastNotice - lastAdd} ms`);
    if (failures.length) console.log(`failures ${failures.length}: ${failures.slice(0, 3).join(' | ')}`);
    const ok = units === STOCK && over === 0 && inOrder && soldOutAt.size === BUYERS - STOCK && !failures.length;
    console.log(ok ? 'OK' : 'FAILED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await bff?.stop();
    await world.drop();
  }
}

await main();
