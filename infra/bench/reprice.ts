import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { benchEnvironment, machineLine } from './harness';
import { QueryTypes } from 'sequelize';
import type { RecalculateInput } from '@zjmall/contracts';
import { catalogMigrations, catalogModels, createCatalogPricingFeed } from '@zjmall/catalog';
import { inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import {
  createLogger,
  createPlatform,
  loadConfig,
  migrateUp,
  platformMigrations,
  type Config,
  type Platform,
} from '@zjmall/platform';
import {
  compileRules,
  counterIds,
  createPriceJobRunner,
  createPricingPool,
  createPricingService,
  DEFAULT_INLINE_THRESHOLD,
  evaluate,
  evaluateInline,
  evaluateMany,
  pricingMigrations,
  randomCatalog,
  randomRuleSet,
  randomSkus,
  seededRandom,
  sliceChunk,
  type PricingPool,
  type Program,
  type SkuChunk,
} from '@zjmall/pricing';

/**
 * Batch price recalculation (issue 6), in one run:
 *
 *   npx tsx infra/bench/reprice.ts [--skus 1000000] [--rules 24] [--chunk 32768] [--rounds 3]
 *                                  [--job-skus 100000] [--batch 2000] [--no-job]
 *
 * 1. Evaluation: SKU-rule evaluations per second over `--skus` SKUs and `--rules` rules with
 *    conditions (category with descendants, brand + attribute, SKU list, category + 2 attributes),
 *    rounding tiers and a margin floor; inline on this thread vs the piscina pool with the ratio:
 *    `evaluateMany` (one task per thread, each a run of chunks, buffers transferred), and for
 *    comparison one task per chunk. Encoding is not timed (the job does it per batch).
 * 2. The inline/pool threshold: one batch's latency, inline vs `evaluate` (this thread evaluates
 *    one part, pool workers the others), by size.
 * 3. The whole job (read, evaluate, write; one price_changed per batch) for `--job-skus` SKUs in
 *    PostgreSQL, production configuration (Redis, NATS): a fresh database, dropped afterwards.
 * Environment as the other benches: BENCH_PG_ADMIN_URL, BENCH_REDIS_URL, BENCH_NATS_URL.
 */

const { values: flags } = parseArgs({
  options: {
    skus: { type: 'string', default: '1000000' },
    rules: { type: 'string', default: '24' },
    chunk: { type: 'string', default: '32768' },
    rounds: { type: 'string', default: '3' },
    'job-skus': { type: 'string', default: '100000' },
    batch: { type: 'string', default: '2000' },
    'no-job': { type: 'boolean', default: false },
  },
});
const SKUS = Number(flags.skus);
const RULES = Number(flags.rules);
const CHUNK = Number(flags.chunk);
const ROUNDS = Math.max(1, Number(flags.rounds));
const JOB_SKUS = Number(flags['job-skus']);
const BATCH = Number(flags.batch);

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const copy = (c: SkuChunk) => sliceChunk(c, 0, c.length);

async function timeInline(program: Program, chunks: SkuChunk[]): Promise<number> {
  const t = performance.now();
  for (const c of chunks) evaluateInline(program, c);
  return performance.now() - t;
}

async function timePool(pool: PricingPool, program: Program, chunks: SkuChunk[]): Promise<number> {
  const copies = chunks.map(copy); // transferred away: a fresh set per round, made outside the timing
  const t = performance.now();
  await evaluateMany(program, copies, pool);
  return performance.now() - t;
}

/** The previous way, for comparison: one pool task per chunk (per-task costs paid per chunk). */
async function timePerChunk(pool: PricingPool, program: Program, chunks: SkuChunk[]): Promise<number> {
  const copies = chunks.map(copy);
  const t = performance.now();
  await Promise.all(copies.map((c) => pool.run(program, c)));
  return performance.now() - t;
}

async function evaluationStage(pool: PricingPool) {
  const rand = seededRandom(42);
  const ids = counterIds();
  const cat = randomCatalog(rand, 2_000, ids);
  const ruleSet = randomRuleSet(rand, cat, RULES);
  const { program, encode } = compileRules(ruleSet, cat.categories);
  const chunks: SkuChunk[] = [];
  for (let done = 0; done < SKUS; done += CHUNK)
    chunks.push(encode(randomSkus(rand, cat, Math.min(CHUNK, SKUS - done), ids)));
  // the pool gives the inline answer (checked on the first chunk), and both are warm
  const a = evaluateInline(program, chunks[0]);
  const [b] = await evaluateMany(program, [copy(chunks[0])], pool);
  if (a.some((p, i) => p !== b[i])) throw new Error('pool and inline disagree');
  await timeInline(program, chunks.slice(0, 4));
  await timePool(pool, program, chunks.slice(0, 8));
  await timePerChunk(pool, program, chunks.slice(0, 8));

  const inline: number[] = [];
  const pooled: number[] = [];
  const perChunk: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    inline.push(await timeInline(program, chunks));
    pooled.push(await timePool(pool, program, chunks));
    perChunk.push(await timePerChunk(pool, program, chunks));
  }
  const evals = SKUS * RULES;
  const inlineRate = (evals / median(inline)) * 1000;
  const poolRate = (evals / median(pooled)) * 1000;
  console.log(`\n1. evaluation: ${fmt(SKUS)} SKUs × ${RULES} rules (chunks of ${fmt(CHUNK)}), median of ${ROUNDS}`);
  console.log(`   inline, one thread : ${fmt(median(inline))} ms  ${fmt(inlineRate)} SKU-rule evaluations/s`);
  console.log(
    `   piscina, ${pool.threads} threads: ${fmt(median(pooled))} ms  ${fmt(poolRate)} SKU-rule evaluations/s (evaluateMany: one task per thread)`,
  );
  const perChunkRate = (evals / median(perChunk)) * 1000;
  console.log(
    `   (one task per chunk: ${fmt(median(perChunk))} ms  ${fmt(perChunkRate)}/s, ${fmt(perChunkRate / inlineRate, 2)}×)`,
  );
  console.log(`   ratio pool / inline: ${fmt(poolRate / inlineRate, 2)}×  (target ≥ 1.7×)`);
  return { inlineRate, poolRate };
}

/** One batch's latency inline vs on the pool (split in one part per thread), by batch size and rule count. */
async function thresholdStage(pool: PricingPool) {
  console.log(
    `\n2. one batch, inline vs pool (mean latency; pool = this thread's part + the workers' parts, split and transfers included)`,
  );
  console.log(`   rules   SKUs   evaluations   inline µs   pool µs   faster`);
  const crossovers: number[] = [];
  for (const rules of [2, 8, RULES]) {
    const rand = seededRandom(7 + rules);
    const ids = counterIds();
    const cat = randomCatalog(rand, 500, ids);
    const { program, encode } = compileRules(randomRuleSet(rand, cat, rules), cat.categories);
    let firstPoolWin: number | null = null;
    for (const size of [250, 1_000, 2_000, 4_000, 8_000, 16_000]) {
      const chunk = encode(randomSkus(rand, cat, size, ids));
      const measure = async (fn: () => Promise<unknown>) => {
        for (let i = 0; i < 20; i++) await fn();
        let n = 0;
        const t = performance.now();
        while (performance.now() - t < 300) {
          await fn();
          n++;
        }
        return ((performance.now() - t) / n) * 1000;
      };
      const inl = await measure(async () => evaluateInline(program, chunk));
      const pl = await measure(() => evaluate(program, chunk, pool, 0));
      if (pl < inl && firstPoolWin === null) firstPoolWin = size * rules;
      console.log(
        `   ${String(rules).padStart(5)} ${fmt(size).padStart(6)} ${fmt(size * rules).padStart(13)} ${fmt(inl, 1).padStart(11)} ${fmt(pl, 1).padStart(9)}   ${pl < inl ? 'pool' : 'inline'}`,
      );
    }
    if (firstPoolWin !== null) crossovers.push(firstPoolWin);
  }
  console.log(
    `   smallest batch where the pool won, per rule count (SKU-rule evaluations): ${crossovers.map((c) => fmt(c)).join(', ') || 'none'}`,
  );
}

/** 8 × 5 × 3 categories, 50 brands, JOB_SKUS / 2 products with 2 SKUs each, straight in SQL (not timed). */
async function seedCatalog(platform: Platform) {
  const q = (sql: string, bind: unknown[] = []) => platform.db.query(sql, { bind });
  const rand = seededRandom(5);
  const cat = randomCatalog(rand, 0, () => crypto.randomUUID());
  for (const depth of [1, 2, 3]) {
    const level = cat.categories.filter((c) => c.path.length === depth);
    await q(
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
  await q(`INSERT INTO catalog.brands (id, name) SELECT u, 'b-' || u FROM unnest($1::uuid[]) AS u`, [cat.brands]);
  const leaves = cat.categories.filter((c) => c.path.length === 3).map((c) => c.id);
  await q(
    `INSERT INTO catalog.products (id, name, category_id, brand_id, attributes, status)
     SELECT gen_random_uuid(), 'p' || g, ($1::uuid[])[1 + g % cardinality($1::uuid[])],
            CASE WHEN g % 10 = 0 THEN NULL ELSE ($2::uuid[])[1 + g % cardinality($2::uuid[])] END,
            json_build_object('材质', (ARRAY['棉','麻','丝','羊毛'])[1 + g % 4]), 'published'
       FROM generate_series(1, $3::int) g`,
    [leaves, cat.brands, Math.ceil(JOB_SKUS / 2)],
  );
  await q(
    `INSERT INTO catalog.skus (id, product_id, code, spec, price, cost_price)
     SELECT gen_random_uuid(), p.id, p.name || '-' || k,
            json_build_object('color', (ARRAY['red','blue','black','white','green','gold'])[1 + (random() * 5)::int],
                              'size', (ARRAY['S','M','L','XL'])[1 + k + (random() * 2)::int]),
            x.price, CASE WHEN random() < 0.8 THEN (x.price * (0.3 + random() * 0.6))::bigint END
       FROM catalog.products p CROSS JOIN generate_series(0, 1) k
            CROSS JOIN LATERAL (SELECT (100 + random() * 200000)::bigint + k AS price) x
      LIMIT $1`,
    [JOB_SKUS],
  );
  await q(`ANALYZE catalog.skus; ANALYZE catalog.products; ANALYZE catalog.categories`);
  const skus = await platform.db.query<{ skuId: string }>(
    `SELECT id AS "skuId" FROM catalog.skus ORDER BY random() LIMIT 2000`,
    { type: QueryTypes.SELECT },
  );
  return { categories: cat.categories, brands: cat.brands, skus };
}

async function jobStage(pool: PricingPool) {
  const world = await benchEnvironment();
  const config = loadConfig(world.env) as Config & { DATABASE_URL: string };
  const dbName = new URL(config.DATABASE_URL).pathname.slice(1);
  const log = createLogger(config.LOG_LEVEL, 'bench-reprice');
  let platform: Platform | null = null;
  try {
    platform = await createPlatform(config, log, 'bench-reprice');
    await migrateUp(platform.db, config.DATABASE_URL, [
      platformMigrations,
      inventoryMigrations,
      catalogMigrations,
      pricingMigrations,
    ]);
    platform.db.addModels([...inventoryModels, ...catalogModels]);
    console.log(`\n3. the whole job: seeding ${fmt(JOB_SKUS)} SKUs in a fresh database (${dbName}) …`);
    const shape = await seedCatalog(platform);
    const feed = createCatalogPricingFeed(platform);
    const pricing = createPricingService({ ...platform, feed });
    const ruleSet = randomRuleSet(seededRandom(11), shape, RULES);
    const input: RecalculateInput = { ...ruleSet };

    const runJob = async (label: string, jobPool: PricingPool | null, inlineThreshold = DEFAULT_INLINE_THRESHOLD) => {
      const { jobId } = await pricing.recalculate(input, null);
      const runner = createPriceJobRunner({
        db: platform!.db,
        feed,
        log,
        pool: jobPool,
        options: { batchSize: BATCH, inlineThreshold },
      });
      const t = performance.now();
      await runner.drain();
      const ms = performance.now() - t;
      const job = await pricing.job(jobId);
      const [{ events }] = await platform!.db.query<{ events: number }>(
        `SELECT count(*)::int AS events FROM platform.outbox WHERE type = 'catalog.price_changed' AND data ->> 'jobId' = $1`,
        { bind: [jobId], type: QueryTypes.SELECT },
      );
      if (job.status !== 'completed' || job.processed !== JOB_SKUS)
        throw new Error(`job ${label}: ${JSON.stringify(job)}`);
      console.log(
        `   ${label.padEnd(34)} ${fmt(ms).padStart(6)} ms  ${fmt((JOB_SKUS / ms) * 1000).padStart(7)} SKUs/s  changed ${fmt(job.changed)}, ${events} price_changed events`,
      );
      return ms;
    };
    console.log(
      `   ${RULES} rules, batches of ${fmt(BATCH)} SKUs (one transaction and one event each); Redis + NATS on`,
    );
    const path = BATCH * RULES < DEFAULT_INLINE_THRESHOLD ? 'inline' : 'pool';
    await runJob(`default (${fmt(BATCH * RULES)} evals/batch: ${path})`, pool);
    await runJob('every batch on the pool', pool, 0);
    await runJob('inline only (no pool)', null);
  } finally {
    await platform?.close().catch(() => {});
    await world.drop();
    console.log(`   dropped ${dbName}`);
  }
}

/**
 * The machine's own parallelism, as a control: the same integer loop on one worker thread, then
 * split over two. A ratio well under 2 means the cores are not really there (shared or stolen
 * vCPUs), and no pool can beat it.
 */
async function machineParallelism(): Promise<number> {
  const { Worker } = await import('node:worker_threads');
  const code = `const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (n) => { let x = 0; for (let i = 0; i < n; i++) x = (x + i * 7) & 0xffffff; parentPort.postMessage(x); });`;
  const workers = [new Worker(code, { eval: true }), new Worker(code, { eval: true })];
  const run = (w: InstanceType<typeof Worker>, n: number) =>
    new Promise((resolve) => (w.once('message', resolve), w.postMessage(n)));
  const N = 300_000_000;
  try {
    await Promise.all(workers.map((w) => run(w, 1_000_000)));
    const one: number[] = [];
    const two: number[] = [];
    for (let r = 0; r < 3; r++) {
      let t = performance.now();
      await run(workers[0], N);
      one.push(performance.now() - t);
      t = performance.now();
      await Promise.all(workers.map((w) => run(w, N / 2)));
      two.push(performance.now() - t);
    }
    const ratio = median(one) / median(two);
    console.log(
      `0. control: a pure integer loop, 1 thread ${fmt(median(one))} ms vs split over 2 threads ${fmt(median(two))} ms: ${fmt(ratio, 2)}× (the machine's ceiling)`,
    );
    return ratio;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function main() {
  console.log('reprice bench');
  console.log(machineLine());
  const pool = createPricingPool({ threads: availableParallelism(), minThreads: availableParallelism() });
  try {
    await machineParallelism();
    await evaluationStage(pool);
    await thresholdStage(pool);
    if (!flags['no-job']) await jobStage(pool);
  } finally {
    await pool.close();
  }
}

await main();
