import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger, loadConfigOrExit } from '@zjmall/platform';
import { DEFAULT_SEED_PRODUCTS, bootRuntime, progressBar, seedDemo, type DemoUsers } from '@zjmall/api';

/**
 * `npm run seed [-- --products N]`: the demo catalog plus a demo admin and customer, on the
 * configured database (the embedded one by default). Idempotent. The demo users' passwords are
 * generated once and kept in <DATA_DIR>/seed-users.json (ADMIN_EMAIL/ADMIN_PASSWORD win for the admin).
 */
const config = loadConfigOrExit();
const i = process.argv.indexOf('--products');
const products = i >= 0 ? Number(process.argv[i + 1]) : DEFAULT_SEED_PRODUCTS;
if (!Number.isSafeInteger(products) || products < 1 || products > 1_000_000) {
  console.error('--products takes an integer 1–1000000');
  process.exit(64);
}
const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'seed');
const rt = await bootRuntime(config, log, 'zjmall-seed');

function demoUsers(): DemoUsers {
  const file = join(resolve(config.DATA_DIR), 'seed-users.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoUsers) : null;
  const users: DemoUsers = saved ?? {
    admin: { email: 'admin@zjmall.local', password: randomBytes(12).toString('base64url') },
    customer: { email: 'customer@zjmall.local', password: randomBytes(12).toString('base64url') },
  };
  if (!saved) writeFileSync(file, JSON.stringify(users, null, 2), { mode: 0o600 });
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) users.admin = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD };
  return users;
}

try {
  const users = demoUsers();
  const report = await seedDemo(rt, { products, users, log, onProgress: progressBar() });
  await rt.platform.relay.drain().catch(() => 0);
  process.stderr.write(
    `seed: categories ${report.categories.created}/${report.categories.total} new, brands ${report.brands.created}/${report.brands.total} new, ` +
      `products ${report.products.created}/${report.products.total} new, SKUs ${report.skus.created}/${report.skus.total} new ` +
      `(${(report.ms / 1000).toFixed(1)} s)\n` +
      `demo users: admin ${users.admin.email} / ${users.admin.password}, customer ${users.customer.email} / ${users.customer.password}\n`,
  );
} finally {
  await rt.close();
}
