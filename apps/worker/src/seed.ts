import { createLogger, loadConfigOrExit } from '@zjmall/platform';
import { DEFAULT_SEED_PRODUCTS, bootRuntime, demoUsers, progressBar, seedDemo } from '@zjmall/api';

/**
 * `npm run seed [-- --products N]`: the demo catalog plus a demo admin and customer, on the
 * configured database (the embedded one by default: the running shop's server when it runs).
 * Idempotent. The demo users' passwords are generated once and kept in <DATA_DIR>/seed-users.json
 * (ADMIN_EMAIL/ADMIN_PASSWORD win for the admin).
 */
const config = loadConfigOrExit();
const i = process.argv.indexOf('--products');
const products = i >= 0 ? Number(process.argv[i + 1]) : DEFAULT_SEED_PRODUCTS;
if (!Number.isSafeInteger(products) || products < 1 || products > 1_000_000) {
  console.error('--products takes an integer 1–1000000');
  process.exit(64);
}
const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'seed');
const rt = await bootRuntime(config, log, 'zjmall-seed', { shareEmbedded: true });

try {
  const { users } = demoUsers(config);
  const report = await seedDemo(rt, { products, users, log, onProgress: progressBar() });
  await rt.platform.relay.drain().catch(() => 0);
  process.stderr.write(
    `seed: categories ${report.categories.created}/${report.categories.total} new, brands ${report.brands.created}/${report.brands.total} new, ` +
      `products ${report.products.created}/${report.products.total} new, SKUs ${report.skus.created}/${report.skus.total} new` +
      `${report.images.rewritten ? `, ${report.images.rewritten} products' images moved to /media/demo/` : ''} (${(report.ms / 1000).toFixed(1)} s)\n` +
      `demo users: admin ${users.admin.email} / ${users.admin.password}, customer ${users.customer.email} / ${users.customer.password}\n`,
  );
} finally {
  await rt.close();
}
