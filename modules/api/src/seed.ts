import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { QueryTypes } from 'sequelize';
import { DomainError, type Config, type Logger } from '@zjmall/platform';
import { DEFAULT_SEED_PRODUCTS, progressBar, seedCatalog, type SeedReport } from '@zjmall/catalog';
import type { Runtime } from './boot';

export { DEFAULT_SEED_PRODUCTS, progressBar };

export interface DemoUsers {
  admin: { email: string; password: string };
  customer: { email: string; password: string };
}

/** Where the demo users' generated passwords are kept, under DATA_DIR. */
export const DEMO_USERS_FILE = 'seed-users.json';

/**
 * The demo admin and customer (`npm run seed` and the BFF's first-run seed alike): passwords
 * generated once and kept in `<DATA_DIR>/seed-users.json` (mode 0600); ADMIN_EMAIL/ADMIN_PASSWORD
 * win for the admin.
 */
export function demoUsers(config: Pick<Config, 'DATA_DIR' | 'ADMIN_EMAIL' | 'ADMIN_PASSWORD'>): {
  users: DemoUsers;
  file: string;
} {
  const dir = resolve(config.DATA_DIR);
  const file = join(dir, DEMO_USERS_FILE);
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoUsers) : null;
  const users: DemoUsers = saved ?? {
    admin: { email: 'admin@zjmall.local', password: randomBytes(12).toString('base64url') },
    customer: { email: 'customer@zjmall.local', password: randomBytes(12).toString('base64url') },
  };
  if (!saved) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(users, null, 2), { mode: 0o600 });
  }
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD)
    users.admin = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD };
  return { users, file };
}

/** The demo shop: catalog and stock (idempotent), an admin and a customer. */
export async function seedDemo(
  rt: Pick<Runtime, 'platform' | 'services'>,
  opts: {
    products?: number;
    users: DemoUsers;
    log: Logger;
    onProgress?: Parameters<typeof seedCatalog>[0]['onProgress'];
  },
): Promise<SeedReport> {
  const { identity, catalog, inventory } = rt.services;
  return seedCatalog({
    db: rt.platform.db,
    catalog,
    inventory,
    log: opts.log,
    products: opts.products ?? DEFAULT_SEED_PRODUCTS,
    onProgress: opts.onProgress,
    ensureUsers: async () => {
      await identity.ensureAdmin(opts.users.admin.email, opts.users.admin.password);
      try {
        await identity.register({
          email: opts.users.customer.email,
          password: opts.users.customer.password,
          name: '演示顾客',
        });
      } catch (e) {
        if (!(e instanceof DomainError && e.appCode === 'EMAIL_TAKEN')) throw e;
      }
    },
  });
}

/** Session advisory lock of the first-run seed (the migrator and the relay use …001, …002). */
const FIRST_RUN_SEED_LOCK = 7_401_137_003;

export interface FirstRunSeed {
  report: SeedReport;
  users: DemoUsers;
  /** `<DATA_DIR>/seed-users.json`. */
  file: string;
}

/**
 * A first run shows a shop: with SEED_DEMO on and no product in the catalog, the demo shop is
 * seeded (null otherwise). Several BFF processes may call it at once: an advisory lock held for
 * the whole seed (on a session of its own) lets one seed while the others wait, then find
 * products and skip.
 */
export async function seedDemoIfEmpty(
  rt: Pick<Runtime, 'platform' | 'services'>,
  opts: { log: Logger; products?: number; onProgress?: Parameters<typeof seedCatalog>[0]['onProgress'] },
): Promise<FirstRunSeed | null> {
  const { db, config } = rt.platform;
  if (!config.SEED_DEMO) return null;
  const empty = async () => {
    const [r] = await db.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM catalog.products) AS empty`, {
      type: QueryTypes.SELECT,
    });
    return r.empty;
  };
  if (!(await empty())) return null;
  // The lock's own session (not one of the pool's: the seed needs them, and DB_POOL_MAX may be 1).
  const lock = new pg.Client({ connectionString: rt.platform.dbUrl, application_name: 'zjmall-first-run-seed' });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [FIRST_RUN_SEED_LOCK]);
    if (!(await empty())) return null;
    const { users, file } = demoUsers(config);
    const report = await seedDemo(rt, { products: opts.products, users, log: opts.log, onProgress: opts.onProgress });
    return { report, users, file };
  } finally {
    // Ending the session releases the lock.
    await lock.end().catch(() => {});
  }
}
