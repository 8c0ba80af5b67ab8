import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import pg from 'pg';
import {
  compileRules,
  counterIds,
  createPricingPool,
  DEFAULT_INLINE_THRESHOLD,
  evaluate,
  randomCatalog,
  randomRuleSet,
  randomSkus,
  seededRandom,
  type PricingPool,
} from '@zjmall/pricing';
import { benchEnvironment, bffNodeArgs, freePort, machineLine, startServer, type ChildServer } from './harness';

/**
 * What the worker pool is for (issue 17, item 6), in one run:
 *
 *   npx tsx infra/bench/pool-load.ts [--skus 1000000] [--rules 200] [--duration 20] [--connections 16] [--lines 20] [--only loop]
 *
 * 1. Event-loop time per job batch (1,000 SKUs): inline (the evaluation itself) against on the pool
 *    (what this thread still does: slice, post, copy back), by rule count — what the inline
 *    threshold (DEFAULT_INLINE_THRESHOLD) is decided by: a batch is evaluated inline only while that
 *    costs the event loop about what handing it to the pool would.
 * 2. cart.get p99 at a fixed request rate (half of what the BFF sustains here, measured first)
 *    with no job, while a --skus SKU × --rules rule price job runs in the BFF on the pool
 *    (PRICE_JOB_THREADS unset), and while it runs inline (PRICE_JOB_THREADS=0). Each mode gets a
 *    BFF of its own (apps/bff/src/main.ts, production configuration, RUN_JOBS=true so the job runs
 *    in it) on the same database, warmed up at the same rate before it is measured; the job started
 *    in the pool mode is handed back at shutdown and resumed by the inline BFF, so both modes
 *    measure the same job. The job
 *    walks only the seeded catalog (its categories), not the carts' SKUs, so the carts' views stay
 *    as they are: what differs is the event loop. Figures are relative within one run.
 */

const { values: flags } = parseArgs({
  options: {
    skus: { type: 'string', default: '1000000' },
    rules: { type: 'string', default: '200' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    lines: { type: 'string', default: '20' },
    // --only loop: just part 1.
    only: { type: 'string' },
  },
});
const SKUS = Number(flags.skus);
const RULES = Number(flags.rules);
const DURATION = Number(flags.duration);
const WARMUP = Number(flags.warmup);
const CONNECTIONS = Number(flags.connections);
const LINES = Number(flags.lines);
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** Event-loop time (ms) per call of `fn`, from the loop's utilisation: the part of the time it was not idle. */
async function loopMsPer(fn: () => Promise<unknown>, ms = 1500): Promise<number> {
  for (let i = 0; i < 10; i++) await fn();
  const start = performance.eventLoopUtilization();
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < ms) {
    await fn();
    n++;
  }
  return performance.eventLoopUtilization(start).active / n;
}

async function loopStage(pool: PricingPool) {
  console.log(`1. event-loop time per 1,000-SKU batch (ms; inline = the evaluation, pool = slice, post, copy back)`);
  console.log(`   rules  evaluations   inline ms   pool ms`);
  for (const rules of [1, 4, 24, 200]) {
    const rand = seededRandom(7 + rules);
    const ids = counterIds();
    const cat = randomCatalog(rand, 500, ids);
    const { program, encode } = compileRules(randomRuleSet(rand, cat, rules), cat.categories);
    const chunk = encode(randomSkus(rand, cat, 1000, ids));
    const inline = await loopMsPer(() => evaluate(program, chunk, null));
    const pooled = await loopMsPer(() => evaluate(program, chunk, pool, 0));
    console.log(
      `   ${String(rules).padStart(5)} ${fmt(1000 * rules).padStart(12)} ${fmt(inline, 3).padStart(11)} ${fmt(pooled, 3).padStart(9)}`,
    );
  }
  console.log(`   DEFAULT_INLINE_THRESHOLD = ${fmt(DEFAULT_INLINE_THRESHOLD)} evaluations`);
}

async function token(secret: string, sub: string): Promise<string> {
  return new SignJWT({ typ: 'user', role: 'customer', ver: 0 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer('zjmall')
    .setAudience('zjmall')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 86_400)
    .sign(new TextEncoder().encode(secret));
}

async function call(base: string, auth: string, path: string, input: unknown): Promise<void> {
  const res = await fetch(`${base}/trpc/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
}

/** The seeded catalog: 3 levels of categories, brands, SKUS / 2 published products of 2 SKUs each (SQL, not timed). */
async function seedCatalog(db: pg.Client) {
  const rand = seededRandom(5);
  const cat = randomCatalog(rand, 0, () => randomUUID());
  for (const depth of [1, 2, 3]) {
    const level = cat.categories.filter((c) => c.path.length === depth);
    await db.query(
      `INSERT INTO catalog.categories (id, parent_id, name, path, depth)
       SELECT u.id, u.parent, 'c-' || u.id, u.path::uuid[], $4 FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS u(id, parent, path)`,
      [
        level.map((c) => c.id),
        level.map((c) => c.path[depth - 2] ?? null),
        level.map((c) => `{${c.path.join(',')}}`),
        depth - 1,
      ],
    );
  }
  await db.query(`INSERT INTO catalog.brands (id, name) SELECT u, 'b-' || u FROM unnest($1::uuid[]) AS u`, [
    cat.brands,
  ]);
  const leaves = cat.categories.filter((c) => c.path.length === 3).map((c) => c.id);
  await db.query(
    `INSERT INTO catalog.products (id, name, category_id, brand_id, attributes, status)
     SELECT gen_random_uuid(), 'p' || g, ($1::uuid[])[1 + g % cardinality($1::uuid[])],
            CASE WHEN g % 10 = 0 THEN NULL ELSE ($2::uuid[])[1 + g % cardinality($2::uuid[])] END,
            json_build_object('材质', (ARRAY['棉','麻','丝','羊毛'])[1 + g % 4]), 'published'
       FROM generate_series(1, $3::int) g`,
    [leaves, cat.brands, Math.ceil(SKUS / 2)],
  );
  await db.query(
    `INSERT INTO catalog.skus (id, product_id, code, spec, price, cost_price)
     SELECT gen_random_uuid(), p.id, p.name || '-' || k,
            json_build_object('color', (ARRAY['red','blue','black','white','green','gold'])[1 + (random() * 5)::int],
                              'size', (ARRAY['S','M','L','XL'])[1 + k + (random() * 2)::int]),
            x.price, CASE WHEN random() < 0.8 THEN (x.price * (0.3 + random() * 0.6))::bigint END
       FROM catalog.products p CROSS JOIN generate_series(0, 1) k
            CROSS JOIN LATERAL (SELECT (100 + random() * 200000)::bigint + k AS price) x
      LIMIT $1`,
    [SKUS],
  );
  await db.query(`ANALYZE catalog.skus; ANALYZE catalog.products; ANALYZE catalog.categories`);
  const skus = (
    await db.query<{ skuId: string }>(`SELECT id AS "skuId" FROM catalog.skus ORDER BY random() LIMIT 2000`)
  ).rows;
  return {
    categories: cat.categories,
    brands: cat.brands,
    skus,
    roots: cat.categories.filter((c) => c.path.length === 1),
  };
}

/** cart.get at `rate` req/s over all connections (0: as fast as it goes). */
async function getCart(url: string, tokens: string[], rate: number, seconds: number) {
  let n = 0;
  const r = await autocannon({
    url: `${url}/trpc/cart.get`,
    connections: CONNECTIONS,
    duration: seconds,
    ...(rate > 0 ? { overallRate: rate } : {}),
    setupClient: (c) => c.setHeaders({ authorization: `Bearer ${tokens[n++ % tokens.length]}` }),
  });
  if (r.errors || r.timeouts || r.non2xx)
    throw new Error(`cart.get: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
  return { reqPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max };
}

const servers: ChildServer[] = [];
let drop: (() => Promise<void>) | null = null;
let failure: unknown = null;
const out: { mode: string; reqPerSec: number; p50: number; p99: number; max: number; job: string }[] = [];
let rate = 0;

try {
  console.log(`pool-load bench: ${fmt(SKUS)} SKUs × ${RULES} rules; ${CONNECTIONS} connections`);
  console.log(`${machineLine()}\n`);
  const pool = createPricingPool();
  try {
    await loopStage(pool);
  } finally {
    await pool.close();
  }
  if (flags.only === 'loop') process.exit(0);

  const world = await benchEnvironment({ RUN_JOBS: 'true' });
  drop = world.drop;
  const startBff = async (env: Record<string, string>) => {
    const bff = await startServer({
      name: 'BFF',
      script: 'apps/bff/src/main.ts',
      env: { ...world.env, ...env },
      port: await freePort(),
      timeoutMs: 120_000,
      nodeArgs: bffNodeArgs(),
    });
    servers.push(bff);
    return bff;
  };
  let bff = await startBff({});
  const db = new pg.Client({ connectionString: world.env.DATABASE_URL });
  await db.connect();
  const t0 = performance.now();
  console.log(`\n2. seeding ${fmt(SKUS)} SKUs …`);
  const shape = await seedCatalog(db);
  console.log(`   seeded in ${fmt((performance.now() - t0) / 1000, 1)} s`);

  // Readers: customers with a LINES-line cart each, on SKUs of their own category (not the job's).
  const adminId = randomUUID();
  const readerIds = Array.from({ length: CONNECTIONS }, () => randomUUID());
  await db.query(
    `INSERT INTO identity.users (id, email, password_hash, name, role)
     SELECT id, 'bench-' || id || '@bench.example', '!', 'Bench', CASE WHEN id = $2 THEN 'admin' ELSE 'customer' END FROM unnest($1::uuid[]) AS id`,
    [[adminId, ...readerIds], adminId],
  );
  const secret = world.env.JWT_SECRET;
  const admin = await new SignJWT({ typ: 'user', role: 'admin', ver: 0 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(adminId)
    .setIssuer('zjmall')
    .setAudience('zjmall')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 86_400)
    .sign(new TextEncoder().encode(secret));
  const readers = await Promise.all(readerIds.map((id) => token(secret, id)));
  const catRes = await fetch(`${bff.url}/trpc/catalog.admin.createCategory`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `bench-${randomUUID()}` }),
  });
  const categoryId = ((await catRes.json()) as { result: { data: { id: string } } }).result.data.id;
  const cartSkus: string[] = [];
  for (let made = 0; made < LINES * readers.length; made += 100) {
    const res = await fetch(`${bff.url}/trpc/catalog.admin.createProduct`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `Bench product ${made}`,
        categoryId,
        images: ['https://img.example/bench.png'],
        skus: Array.from({ length: 100 }, (_, i) => ({
          code: `PL-${made + i}-${randomUUID().slice(0, 8)}`,
          spec: { n: String(i) },
          price: 1000 + i,
          initialStock: 1_000_000,
        })),
      }),
    });
    const p = ((await res.json()) as { result: { data: { id: string; skus: { id: string }[] } } }).result.data;
    await call(bff.url, admin, 'catalog.admin.publish', { id: p.id });
    cartSkus.push(...p.skus.map((s) => s.id));
  }
  await Promise.all(
    readers.map(async (t, i) => {
      for (const skuId of cartSkus.slice(i * LINES, (i + 1) * LINES))
        await call(bff.url, t, 'cart.addItem', { skuId, quantity: 1 });
    }),
  );

  // The rate: half of what cart.get sustains here.
  await getCart(bff.url, readers, 0, WARMUP);
  const max = await getCart(bff.url, readers, 0, DURATION);
  rate = Math.round(max.reqPerSec / 2);
  console.log(
    `   cart.get sustains ${fmt(max.reqPerSec)} req/s (p99 ${fmt(max.p99, 1)} ms); measuring at ${fmt(rate)} req/s`,
  );

  const jobState = async (id: string | null) => {
    if (!id) return 'no job';
    const { rows } = await db.query<{ status: string; processed: number }>(
      `SELECT status, processed FROM pricing.jobs WHERE id = $1`,
      [id],
    );
    return `${rows[0].status} ${fmt(rows[0].processed)}/${fmt(SKUS)}`;
  };
  const measure = async (mode: string, jobId: string | null) => {
    await getCart(bff.url, readers, rate, WARMUP);
    const before = await jobState(jobId);
    const r = await getCart(bff.url, readers, rate, DURATION);
    const after = await jobState(jobId);
    out.push({ mode, ...r, job: `${before} → ${after}` });
    console.log(`   ${mode}: p99 ${fmt(r.p99, 2)} ms (job ${before} → ${after})`);
  };

  // Each mode on a BFF started for it (same warm-up before each measurement).
  const restart = async (env: Record<string, string>) => {
    await bff.stop();
    bff = await startBff(env);
  };
  await restart({});
  await measure('no job', null);

  // The job: all SKUs of the seeded catalog, RULES rules (the most a rule set may have).
  const ruleSet = randomRuleSet(seededRandom(11), shape, RULES);
  const jobId = randomUUID();
  const input = { ...ruleSet, scope: { categoryIds: shape.roots.map((c) => c.id) } };
  await db.query(`INSERT INTO pricing.jobs (id, input, total, created_by) VALUES ($1, $2::jsonb, $3, NULL)`, [
    jobId,
    JSON.stringify(input),
    SKUS,
  ]);
  const running = async () => {
    for (let i = 0; i < 600; i++) {
      const { rows } = await db.query<{ processed: number }>(`SELECT processed FROM pricing.jobs WHERE id = $1`, [
        jobId,
      ]);
      if (rows[0].processed > 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the job did not start');
  };
  // On the pool (PRICE_JOB_THREADS unset: one thread per core).
  await restart({});
  await running();
  await measure('job on the pool', jobId);
  // The same job, handed back at shutdown and resumed by a BFF that evaluates inline.
  await restart({ PRICE_JOB_THREADS: '0' });
  await measure('job inline', jobId);
  await db.end();
} catch (e) {
  failure = e;
} finally {
  for (const s of servers) await s.stop();
  await drop?.().catch((e: unknown) => console.error('could not clean the bench database/stream/keys up:', e));
}

if (out.length) {
  console.log(`\ncart.get at ${fmt(rate)} req/s, ${CONNECTIONS} connections, ${DURATION} s each (${LINES}-line carts)`);
  console.log(`mode              req/s      p50 ms   p99 ms   max ms   job during the measurement`);
  for (const r of out)
    console.log(
      `${r.mode.padEnd(16)} ${fmt(r.reqPerSec).padStart(7)} ${fmt(r.p50, 2).padStart(10)} ${fmt(r.p99, 2).padStart(8)} ${fmt(r.max, 1).padStart(8)}   ${r.job}`,
    );
}
if (failure !== null) {
  for (const s of servers) console.error(`--- last output of ${s.name}:\n${s.output().slice(-3000)}`);
  console.error(
    '\nPOOL-LOAD BENCHMARK FAILED:',
    failure instanceof Error ? (failure.stack ?? failure.message) : failure,
  );
  process.exit(1);
}
