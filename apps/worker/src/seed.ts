import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DomainError, createLogger, loadConfigOrExit } from '@zjmall/platform';
import { bootRuntime } from '@zjmall/api';
import { DEFAULT_SEED_PRODUCTS, progressBar, seedCatalog } from '@zjmall/catalog';

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

interface SeedUsers {
  admin: { email: string; password: string };
  customer: { email: string; password: string };
}
function demoUsers(): SeedUsers {
  const file = join(resolve(config.DATA_DIR), 'seed-users.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SeedUsers) : null;
  const users: SeedUsers = saved ?? {
    admin: { email: 'admin@zjmall.local', password: randomBytes(12).toString('base64url') },
    customer: { email: 'customer@zjmall.local', password: randomBytes(12).toString('base64url') },
  };
  if (!saved) writeFileSync(file, JSON.stringify(users, null, 2), { mode: 0o600 });
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) users.admin = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD };
  return users;
}

try {
  const users = demoUsers();
  const report = await seedCatalog({
    db: rt.platform.db,
    catalog: rt.services.catalog,
    inventory: rt.services.inventory,
    log,
    products,
    onProgress: progressBar(),
    ensureUsers: async () => {
      await rt.services.identity.ensureAdmin(users.admin.email, users.admin.password);
      try {
        await rt.services.identity.register({ email: users.customer.email, password: users.customer.password, name: '演示顾客' });
      } catch (e) {
        if (!(e instanceof DomainError && e.appCode === 'EMAIL_TAKEN')) throw e;
      }
    },
  });
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
