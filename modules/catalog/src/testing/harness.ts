// Test-only helpers (not exported from index.ts): a platform on its own database, Redis prefix and
// NATS stream, the real inventory and catalog services on it, and tRPC callers with fixed identities.
import { QueryTypes } from 'sequelize';
import type { CreateProductInput } from '@zjmall/contracts';
import { createCallerFactory, createContextFactory, newId, platformMigrations, router } from '@zjmall/platform';
import {
  createTestEnv,
  callFailure,
  type CaughtError,
  fixedTokenAuth,
  TEST_ADMIN_ID,
  TEST_CUSTOMER_ID,
} from '@zjmall/platform/testing';
import { createInventoryService, inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import {
  catalogMigrations,
  catalogModels,
  createCatalogRouter,
  createSaleService,
  createCatalogService,
  type CatalogOptions,
} from '../index';

export const ADMIN_ID = TEST_ADMIN_ID;
export const CUSTOMER_ID = TEST_CUSTOMER_ID;

export async function createHarness(label: string, options: Partial<CatalogOptions> = {}) {
  const env = await createTestEnv({ label, modules: [platformMigrations, inventoryMigrations, catalogMigrations] });
  const { platform } = env;
  const { db } = platform;
  db.addModels([...inventoryModels, ...catalogModels]);
  const inventory = createInventoryService(platform);
  const svc = createCatalogService({ ...platform, inventory, options });
  const sales = createSaleService({ ...platform, inventory });
  const appRouter = router({ catalog: createCatalogRouter(svc, sales) });
  const makeCaller = createCallerFactory(appRouter);
  const makeContext = createContextFactory({ authenticate: fixedTokenAuth, log: env.log });
  const caller = (token?: 'admin' | 'customer' | 'bogus') =>
    makeCaller(
      makeContext({ requestId: 'test', ip: '127.0.0.1', authorization: token ? `Bearer ${token}` : undefined }),
    );
  const admin = caller('admin').catalog.admin;
  const q = <T extends object>(sql: string, bind: unknown[] = []) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT });

  let n = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;

  return {
    env,
    platform,
    db,
    svc,
    inventory,
    appRouter,
    caller,
    /** The public catalog router, without a token. */
    pub: caller().catalog,
    admin,
    q,
    unique,
    /** A category (under `parentId`) with a unique name unless one is given. */
    category: (parentId?: string, name?: string) => admin.createCategory({ name: name ?? unique('cat'), parentId }),
    brand: (name?: string) => admin.createBrand({ name: name ?? unique('brand') }),
    /** A draft product with `skus` SKUs (unique codes, 10 on hand each unless said otherwise). */
    async product(over: Partial<CreateProductInput> & { categoryId: string }, skus = 2) {
      return admin.createProduct({
        name: unique('Product'),
        skus: Array.from({ length: skus }, (_, i) => ({
          code: unique('SKU'),
          spec: { size: `S${i}` },
          price: 1000 + i * 100,
          initialStock: 10,
        })),
        ...over,
      });
    },
    /** A published product. */
    async published(over: Partial<CreateProductInput> & { categoryId: string }, skus = 2) {
      const p = await this.product(over, skus);
      return admin.publish({ id: p.id });
    },
    /** Outbox rows of this type (the events the relay would publish). */
    events<T = unknown>(type: string, aggregateId?: string) {
      return q<{ data: T; aggregate_id: string; version: number }>(
        `SELECT data, aggregate_id, version FROM platform.outbox WHERE type = $1 AND ($2::text IS NULL OR aggregate_id = $2) ORDER BY seq`,
        [type, aggregateId ?? null],
      );
    },
    newId,
    sales,
    close: async () => {
      sales.close();
      await env.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

export type { CaughtError };

/** Awaits a procedure call that must fail and returns the error as a client would see it (platform/testing's callFailure). */
export const failure = (_h: unknown, call: Promise<unknown>): Promise<CaughtError> => callFailure(call);
