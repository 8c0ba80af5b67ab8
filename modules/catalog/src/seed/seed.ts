// The demo catalog seed: `npx tsx modules/catalog/src/seed/seed.ts [--products N]` against
// DATABASE_URL (and REDIS_URL/NATS_URL when set, so caches everywhere are told). Migrates the
// schemas it needs first. Users are not created here: identity is not the catalog's to import,
// so `npm run seed` (modules/api) passes `ensureUsers` to seedCatalog instead.
import { pathToFileURL } from 'node:url';
import { createLogger, createPlatform, loadConfig, migrateUp, platformMigrations } from '@zjmall/platform';
import { createInventoryService, inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import { createCatalogService } from '../catalog.service';
import { catalogMigrations } from '../migrations';
import { catalogModels } from '../models';
import { progressBar } from './progress';
import { DEFAULT_SEED_PRODUCTS, seedCatalog } from './seed-catalog';

export { seedCatalog } from './seed-catalog';
export type { SeedCatalogOptions, SeedProgress, SeedReport } from './seed-catalog';

function productsArg(argv: string[]): number {
  const i = argv.indexOf('--products');
  const raw = i >= 0 ? argv[i + 1] : process.env.SEED_PRODUCTS;
  if (raw === undefined) return DEFAULT_SEED_PRODUCTS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000) throw new Error(`--products must be 1–1000000, got ${raw}`);
  return n;
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const config = loadConfig();
  const url = config.DATABASE_URL;
  if (!url) throw new Error('seed: set DATABASE_URL (the embedded database is seeded through `npm run seed`)');
  const products = productsArg(argv);
  const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'seed');
  const platform = await createPlatform({ ...config, DATABASE_URL: url }, log, 'zjmall-seed');
  try {
    await migrateUp(platform.db, url, [platformMigrations, inventoryMigrations, catalogMigrations], log);
    platform.db.addModels([...inventoryModels, ...catalogModels]);
    const inventory = createInventoryService(platform);
    const catalog = createCatalogService({ ...platform, inventory });
    const r = await seedCatalog({ db: platform.db, catalog, inventory, log, products, onProgress: progressBar() });
    process.stderr.write(
      `seed: categories ${r.categories.created}/${r.categories.total} new, brands ${r.brands.created}/${r.brands.total} new, ` +
        `products ${r.products.created}/${r.products.total} new, SKUs ${r.skus.created}/${r.skus.total} new (${(r.ms / 1000).toFixed(1)} s)\n`,
    );
  } finally {
    await platform.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`\nseed failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
