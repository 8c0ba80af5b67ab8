import { parseArgs } from 'node:util';
import pg from 'pg';
import { createInventoryService, inventoryMigrations, inventoryModels, type InventoryService } from '@zjmall/inventory';
import {
  createLogger,
  createPlatform,
  loadConfig,
  migrateUp,
  newId,
  platformMigrations,
  type Config,
  type Platform,
} from '@zjmall/platform';
import { benchEnvironment, machineLine } from './harness';

/**
 * Reservations per second through the inventory service (Redlock + locked stock row + the fenced
 * conditional UPDATE + reservation rows + ledger rows + outbox rows, coalesced per SKU), next to a
 * plain autocommit conditional UPDATE on the same table, measured in the same run with the same
 * number of callers in flight and the same number of connections:
 *
 *   npx tsx infra/bench/reserve.ts [--duration 10] [--warmup 2] [--concurrency 128] [--pool 16]
 *                                  [--skus 10000] [--relay]
 *
 * Production configuration: a fresh PostgreSQL database, Redis (locks, cache) and NATS JetStream
 * (bus), each under a prefix of its own; all dropped afterwards. The outbox relay is off unless
 * --relay (in production apps/worker runs it, not the process that takes reservations). Stock is
 * sized so that INSUFFICIENT_STOCK cannot happen: every error is counted, and a figure with errors
 * is not a result (the script exits 1).
 */

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '128' },
    pool: { type: 'string', default: '16' },
    skus: { type: 'string', default: '10000' },
    relay: { type: 'boolean', default: false },
  },
});
const DURATION_MS = Number(flags.duration) * 1000;
const WARMUP_MS = Number(flags.warmup) * 1000;
const CONCURRENCY = Number(flags.concurrency);
const POOL = Number(flags.pool);
const SKUS = Number(flags.skus);
const HOT_STOCK = 1_000_000_000;
const SPREAD_STOCK = 10_000_000;

interface Figure {
  label: string;
  perSec: number;
  ops: number;
  errors: number;
  firstError: string | null;
  p50: number;
  p99: number;
}

/** CONCURRENCY callers, each issuing `op` back to back; a warm-up first, then the measured window. */
async function drive(label: string, op: () => Promise<void>): Promise<Figure> {
  const window = async (ms: number, keep: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | null = null;
    const end = performance.now() + ms;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          try {
            await op();
            if (keep) latencies.push(performance.now() - t);
          } catch (e) {
            errors++;
            firstError ??=
              e instanceof Error ? `${(e as { appCode?: string }).appCode ?? e.name}: ${e.message}` : String(e);
          }
        }
      }),
    );
    return { latencies, errors, firstError, elapsed: performance.now() - started };
  };
  if (WARMUP_MS > 0) await window(WARMUP_MS, false);
  const { latencies, errors, firstError, elapsed } = await window(DURATION_MS, true);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  const fig = {
    label,
    perSec: (latencies.length / elapsed) * 1000,
    ops: latencies.length,
    errors,
    firstError,
    p50: pct(0.5),
    p99: pct(0.99),
  };
  console.log(`  ${label}: ${fmt(fig.perSec)}/s, ${fig.errors} errors`);
  return fig;
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

async function seed(svc: InventoryService, platform: Platform, skuIds: string[], onHand: number) {
  for (let i = 0; i < skuIds.length; i += 2000) {
    const chunk = skuIds.slice(i, i + 2000);
    await platform.db.transaction((tx) =>
      svc.initStock(
        tx,
        chunk.map((skuId) => ({ skuId, onHand, lowStockThreshold: 0 })),
        { operator: 'bench', reason: 'bench stock', refType: 'IMPORT' },
      ),
    );
  }
}

async function main(): Promise<number> {
  const world = await benchEnvironment({ DB_POOL_MAX: String(POOL) });
  const config = loadConfig(world.env) as Config & { DATABASE_URL: string };
  const log = createLogger(config.LOG_LEVEL, 'bench-reserve');
  let platform: Platform | null = null;
  const raw = new pg.Pool({ connectionString: config.DATABASE_URL, max: POOL, application_name: 'bench-raw' });
  try {
    platform = await createPlatform(config, log, 'bench-reserve');
    await migrateUp(platform.db, config.DATABASE_URL, [platformMigrations, inventoryMigrations]);
    platform.db.addModels(inventoryModels);
    if (flags.relay) platform.relay.start();
    const svc = createInventoryService(platform);

    // Each side gets SKUs of its own, so the books of the service's SKUs can be checked afterwards.
    const hotRaw = newId();
    const hotSvc = newId();
    const spreadRaw = Array.from({ length: SKUS }, () => newId());
    const spreadSvc = Array.from({ length: SKUS }, () => newId());
    console.log(`seeding 2 hot SKUs and 2 × ${fmt(SKUS)} SKUs …`);
    await seed(svc, platform, [hotRaw, hotSvc], HOT_STOCK);
    await seed(svc, platform, [...spreadRaw, ...spreadSvc], SPREAD_STOCK);
    await raw.query('VACUUM ANALYZE inventory.stock');

    const RAW_SQL = 'UPDATE inventory.stock SET reserved = reserved + 1 WHERE sku_id = $1 AND on_hand - reserved >= 1';
    const rawUpdate = async (skuId: string) => {
      const r = await raw.query(RAW_SQL, [skuId]);
      if (r.rowCount !== 1) throw new Error('conditional UPDATE matched no row');
    };
    const reserve = async (skuId: string) => {
      await svc.reserve({ type: 'cart', id: newId() }, [{ skuId, quantity: 1 }]);
    };
    const pick = (skus: string[]) => skus[Math.floor(Math.random() * skus.length)];

    console.log(`measuring (${CONCURRENCY} in flight, ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s each) …`);
    const rawHot = await drive('raw conditional UPDATE, one hot SKU', () => rawUpdate(hotRaw));
    const svcHot = await drive('inventory.reserve, one hot SKU', () => reserve(hotSvc));
    const rawSpread = await drive(`raw conditional UPDATE, ${fmt(SKUS)} SKUs`, () => rawUpdate(pick(spreadRaw)));
    const svcSpread = await drive(`inventory.reserve, ${fmt(SKUS)} SKUs`, () => reserve(pick(spreadSvc)));

    // The figures only count if the books still balance. The raw side wrote no ledger rows and no
    // reservations: put its SKUs back first, then every SKU must agree with its ledger.
    await raw.query('UPDATE inventory.stock SET reserved = 0 WHERE sku_id = ANY($1::uuid[])', [[hotRaw, ...spreadRaw]]);
    const audit = await svc.audit();
    const [{ n }] = (
      await raw.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM inventory.reservations WHERE sku_id = $1 AND status = 'active'`,
        [hotSvc],
      )
    ).rows;
    const [hot] = await svc.getAdmin([hotSvc]);

    const rows: [Figure, Figure][] = [
      [svcHot, rawHot],
      [svcSpread, rawSpread],
    ];
    console.log(`\nreservations per second — infra/bench/reserve.ts`);
    console.log(machineLine());
    console.log(
      `PostgreSQL ${(await raw.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version}; locks ${platform.locks.mode}, cache ${platform.cache.mode}, bus ${platform.bus.mode}; relay ${flags.relay ? 'on' : 'off'}`,
    );
    console.log(
      `load: ${CONCURRENCY} callers in flight, ${POOL} PostgreSQL connections each side, ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s measured per figure\n`,
    );
    const head = ['what', 'per s', 'p50 ms', 'p99 ms', 'ops', 'errors', 'vs raw'];
    const body = rows.flatMap(([s, r]) => [
      [r.label, fmt(r.perSec), fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.ops), String(r.errors), '1.00×'],
      [
        s.label,
        fmt(s.perSec),
        fmt(s.p50, 2),
        fmt(s.p99, 2),
        fmt(s.ops),
        String(s.errors),
        `${fmt(s.perSec / r.perSec, 2)}×`,
      ],
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(line(head));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const b of body) console.log(line(b));
    console.log(
      `\naudit: ${audit.checkedSkus} SKUs, ${audit.mismatchCount} mismatches; hot SKU reserved ${hot.reserved} = ${n} active reservations`,
    );

    const all = rows.flat();
    const failed = all.filter((f) => f.errors > 0 || f.ops === 0);
    for (const f of failed) console.log(`NOT A RESULT: ${f.label}: ${f.errors} errors (first: ${f.firstError})`);
    if (audit.mismatchCount > 0 || hot.reserved !== n)
      console.log('NOT A RESULT: the stock does not agree with its ledger/reservations');
    return failed.length || audit.mismatchCount || hot.reserved !== n ? 1 : 0;
  } finally {
    await raw.end().catch(() => {});
    await platform?.close().catch(() => {});
    await world.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
