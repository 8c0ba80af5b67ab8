// Test-only helpers (not exported from index.ts): a platform on its own database, Redis prefix and
// NATS stream, the inventory service and router on it, and a tRPC caller with fixed identities.
import { QueryTypes } from 'sequelize';
import {
  createCallerFactory,
  createContextFactory,
  newId,
  platformMigrations,
  router,
  type Locks,
} from '@zjmall/platform';
import {
  createTestEnv,
  type TestEnvOptions,
  callFailure,
  type CaughtError,
  fixedTokenAuth,
  TEST_ADMIN_ID,
  TEST_CUSTOMER_ID,
} from '@zjmall/platform/testing';
import {
  createInventoryRouter,
  createInventoryService,
  inventoryMigrations,
  inventoryModels,
  type InventoryService,
  type InventoryServiceDeps,
} from '../index';

export const ADMIN_ID = TEST_ADMIN_ID;
export const CUSTOMER_ID = TEST_CUSTOMER_ID;

export async function createHarness(label: string, opts: Pick<TestEnvOptions, 'env' | 'redis' | 'nats'> = {}) {
  const env = await createTestEnv({ label, modules: [platformMigrations, inventoryMigrations], ...opts });
  const { platform } = env;
  const { db } = platform;
  db.addModels(inventoryModels);
  const service = (options?: InventoryServiceDeps['options'], locks?: Locks): InventoryService =>
    createInventoryService({ ...platform, ...(locks ? { locks } : {}), options });
  const svc = service();
  const appRouter = router({ inventory: createInventoryRouter(svc) });
  const makeCaller = createCallerFactory(appRouter);
  const makeContext = createContextFactory({ authenticate: fixedTokenAuth, log: env.log });
  const caller = (token?: 'admin' | 'customer') =>
    makeCaller(
      makeContext({ requestId: 'test', ip: '127.0.0.1', authorization: token ? `Bearer ${token}` : undefined }),
    );

  const q = <T extends object>(sql: string, bind: unknown[] = []): Promise<T[]> =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT });

  return {
    env,
    platform,
    db,
    svc,
    service,
    appRouter,
    caller,
    q,
    /** A new SKU with this much on hand (through initStock, as the catalog creates them). */
    async newSku(onHand: number, lowStockThreshold?: number): Promise<string> {
      const skuId = newId();
      await db.transaction((tx) =>
        svc.initStock(tx, [{ skuId, onHand, lowStockThreshold }], {
          operator: ADMIN_ID,
          reason: 'test stock',
          refType: 'IMPORT',
        }),
      );
      return skuId;
    },
    async stock(skuId: string) {
      const [r] = await q<{ on_hand: number; reserved: number }>(
        `SELECT on_hand, reserved FROM inventory.stock WHERE sku_id = $1`,
        [skuId],
      );
      return { onHand: r.on_hand, reserved: r.reserved };
    },
    async activeReservations(skuId: string) {
      const [r] = await q<{ n: number; total: number }>(
        `SELECT count(*)::int AS n, coalesce(sum(quantity), 0)::int AS total FROM inventory.reservations WHERE sku_id = $1 AND status = 'active'`,
        [skuId],
      );
      return r;
    },
    async ledger(skuId: string) {
      return q<{
        type: string;
        quantity: number;
        on_hand_before: number;
        on_hand_after: number;
        reserved_before: number;
        reserved_after: number;
        ref_type: string;
        ref_id: string | null;
      }>(
        `SELECT type, quantity, on_hand_before, on_hand_after, reserved_before, reserved_after, ref_type, ref_id
           FROM inventory.ledger WHERE sku_id = $1 ORDER BY id`,
        [skuId],
      );
    },
    /** Outbox rows of this type (the events the relay would publish). */
    async events<T = unknown>(type: string) {
      const rows = await q<{ data: T; aggregate_id: string; version: number }>(
        `SELECT data, aggregate_id, version FROM platform.outbox WHERE type = $1 ORDER BY seq`,
        [type],
      );
      return rows;
    },
    close: () => env.close(),
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

export const cart = (id = newId()) => ({ type: 'cart' as const, id });
export const order = (id = newId()) => ({ type: 'order' as const, id });

export type { CaughtError };

/** Awaits a procedure call that must fail and returns the error as a client would see it (platform/testing's callFailure). */
export const failure = (_h: unknown, call: Promise<unknown>): Promise<CaughtError> => callFailure(call);

/** Awaits a service call that must fail with a DomainError and returns its code and details. */
export async function domainFailure(call: Promise<unknown>): Promise<{ appCode: string; details: unknown }> {
  try {
    await call;
  } catch (e) {
    const d = e as { appCode?: string; details?: unknown };
    if (!d.appCode) throw e;
    return { appCode: d.appCode, details: d.details };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
