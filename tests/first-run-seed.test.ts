import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@zjmall/platform/testing';
import { allMigrations, createServices, seedDemoIfEmpty, type DemoUsers, type Services } from '@zjmall/api';

/** SEED_DEMO: the BFF seeds the demo shop before serving when the catalog is empty; one process seeds. */
let env: TestEnv;
let services: Services;
const dataDir = mkdtempSync(join(tmpdir(), 'zjmall-firstrun-'));
beforeAll(async () => {
  env = await createTestEnv({
    label: 'firstrun',
    env: { SEED_DEMO: 'true', DATA_DIR: dataDir },
    modules: allMigrations,
    nats: false,
  });
  services = createServices(env.platform, {
    jwtSecret: env.config.JWT_SECRET!,
    paymentCallbackSecret: env.config.PAYMENT_CALLBACK_SECRET!,
  });
});
afterAll(async () => {
  await env?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const products = async () =>
  (
    await env.platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM catalog.products`, {
      type: QueryTypes.SELECT,
    })
  )[0].n;

describe('seedDemoIfEmpty', () => {
  it('does nothing with SEED_DEMO=false, even on an empty catalog', async () => {
    const off = { platform: { ...env.platform, config: { ...env.config, SEED_DEMO: false } }, services };
    expect(await seedDemoIfEmpty(off, { log: env.log, products: 5 })).toBeNull();
    expect(await products()).toBe(0);
  });

  it('seeds an empty catalog once when several processes start together, keeping the demo users in DATA_DIR', async () => {
    const rt = { platform: env.platform, services };
    const runs = await Promise.all([1, 2, 3].map(() => seedDemoIfEmpty(rt, { log: env.log, products: 12 })));
    const seeded = runs.filter((r) => r !== null);
    expect(seeded).toHaveLength(1);
    expect(seeded[0]!.report.products.created).toBe(12);
    expect(await products()).toBe(12);
    const file = join(dataDir, 'seed-users.json');
    expect(seeded[0]!.file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const users = JSON.parse(readFileSync(file, 'utf8')) as DemoUsers;
    expect(users).toEqual(seeded[0]!.users);
    // The demo users can sign in with the kept passwords.
    expect(
      (await services.identity.login({ email: users.admin.email, password: users.admin.password })).user.role,
    ).toBe('admin');
    expect(
      (await services.identity.login({ email: users.customer.email, password: users.customer.password })).user.role,
    ).toBe('customer');
    // A later start finds products: no seed.
    expect(await seedDemoIfEmpty(rt, { log: env.log, products: 12 })).toBeNull();
  });
});
