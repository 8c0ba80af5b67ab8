// Test-only helpers (not exported from index.ts): a platform on its own database with the real
// inventory, catalog and pricing services, tRPC callers with fixed identities, and a small catalog.
import { TRPCError } from '@trpc/server';
import { QueryTypes } from 'sequelize';
import { catalogMigrations, catalogModels, createCatalogPricingFeed, createCatalogService } from '@zjmall/catalog';
import { createInventoryService, inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import { createCallerFactory, createContextFactory, platformMigrations, router } from '@zjmall/platform';
import { createTestEnv, fixedTokenAuth, TEST_ADMIN_ID, TEST_CUSTOMER_ID } from '@zjmall/platform/testing';
import { createPriceJobRunner, type PriceJobRunnerOptions } from '../jobs/job.runner';
import { pricingMigrations } from '../migrations';
import type { PricingPool } from '../pool/pricing-pool';
import { createPricingRouter } from '../pricing.router';
import { createPricingService } from '../pricing.service';
import { createCouponService } from '../coupons/coupon.service';

export const ADMIN_ID = TEST_ADMIN_ID;
export const CUSTOMER_ID = TEST_CUSTOMER_ID;

export async function createPricingHarness(label: string) {
  const env = await createTestEnv({
    label,
    modules: [platformMigrations, inventoryMigrations, catalogMigrations, pricingMigrations],
  });
  const { platform } = env;
  const { db } = platform;
  db.addModels([...inventoryModels, ...catalogModels]);
  const inventory = createInventoryService(platform);
  const catalog = createCatalogService({ ...platform, inventory, options: { invalidateAgainAfterMs: 0 } });
  const feed = createCatalogPricingFeed(platform);
  const pricing = createPricingService({ ...platform, feed });
  const coupons = createCouponService(platform);
  const appRouter = router({ pricing: createPricingRouter(pricing, coupons) });
  const makeCaller = createCallerFactory(appRouter);
  const makeContext = createContextFactory({ authenticate: fixedTokenAuth, log: env.log });
  const caller = (token?: 'admin' | 'customer') =>
    makeCaller(
      makeContext({ requestId: 'test', ip: '127.0.0.1', authorization: token ? `Bearer ${token}` : undefined }),
    );
  const q = <T extends object>(sql: string, bind: unknown[] = []) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT });
  let n = 0;
  const unique = (p: string) => `${p}-${label}-${Date.now().toString(36)}-${n++}`;

  return {
    env,
    db,
    catalog,
    feed,
    pricing,
    coupons,
    appRouter,
    caller,
    admin: caller('admin').pricing.admin,
    q,
    unique,
    runner: (pool: PricingPool | null, options: Partial<PriceJobRunnerOptions> = {}) =>
      createPriceJobRunner({ db, feed, log: env.log, pool, options: { leaseMs: 60_000, ...options } }),
    /** SKU id → base price. */
    async prices(): Promise<Map<string, number>> {
      const rows = await q<{ id: string; price: number }>(`SELECT id, price FROM catalog.skus`);
      return new Map(rows.map((r) => [r.id, r.price]));
    },
    priceEvents(jobId: string) {
      return q<{
        data: { changes: { skuId: string; oldPrice: number; newPrice: number }[]; source: string; jobId: string };
        aggregate_id: string;
      }>(
        `SELECT data, aggregate_id FROM platform.outbox WHERE type = 'catalog.price_changed' AND data ->> 'jobId' = $1 ORDER BY seq`,
        [jobId],
      );
    },
    close: () => env.close(),
  };
}

export type PricingHarness = Awaited<ReturnType<typeof createPricingHarness>>;

/** The tRPC code of a call that must fail. */
export async function failureCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (e) {
    if (e instanceof TRPCError) return e.code;
    throw e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
