// Test-only helpers (not exported from index.ts): a platform on its own database, Redis prefix and
// NATS stream with the real inventory, catalog, coupon (pricing) and cart services, and tRPC callers whose bearer
// tokens name the caller: `user:<uuid>` or `guest:<uuid>`.
import { QueryTypes } from 'sequelize';
import {
  createCallerFactory,
  createContextFactory,
  newId,
  platformMigrations,
  router,
  type Authenticate,
} from '@zjmall/platform';
import { callFailure, createTestEnv, type CaughtError } from '@zjmall/platform/testing';
import { createInventoryService, inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import { catalogMigrations, catalogModels, createCatalogService } from '@zjmall/catalog';
import { createCouponService, pricingMigrations } from '@zjmall/pricing';
import { cartMigrations, createCartRouter, createCartService, type CartPurchasesPort } from '../index';

/**
 * Cart's own tests run without the order module, so nobody has bought anything: purchase limits
 * hold against the cart alone here. Limits against orders, and their lock, are tested with the
 * whole shop in tests/purchase-limits.test.ts.
 */
export const noOrders: CartPurchasesPort = { unitsBought: async () => new Map() };

const ADMIN_ID = '00000000-0000-7000-8000-00000000ad01';

const authenticate: Authenticate = async (token) => {
  const [kind, id] = token.split(':');
  if (kind === 'user' && id) return { ok: true, auth: { kind: 'user', userId: id, role: 'customer' } };
  if (kind === 'guest' && id) return { ok: true, auth: { kind: 'guest', guestId: id } };
  return { ok: false, reason: 'invalid' };
};

export async function createHarness(label: string, env: Record<string, string> = {}) {
  const testEnv = await createTestEnv({
    label,
    modules: [platformMigrations, inventoryMigrations, catalogMigrations, pricingMigrations, cartMigrations],
    env,
  });
  const { platform } = testEnv;
  const { db } = platform;
  db.addModels([...inventoryModels, ...catalogModels]);
  const inventory = createInventoryService(platform);
  const catalog = createCatalogService({ ...platform, inventory });
  const coupons = createCouponService(platform);
  const cart = createCartService({ ...platform, catalog, inventory, coupons, purchases: noOrders });
  // The harness's guest tokens are `guest:<uuid>` (see authenticate above).
  const guestIdOf = async (token: string) => (token.startsWith('guest:') ? token.slice(6) : null);
  const appRouter = router({ cart: createCartRouter(cart, { guestIdOf }) });
  const makeCaller = createCallerFactory(appRouter);
  const makeContext = createContextFactory({ authenticate, log: testEnv.log });
  const callerOf = (token: string) =>
    makeCaller(makeContext({ requestId: 'test', ip: '127.0.0.1', authorization: `Bearer ${token}` })).cart;
  const q = <T extends object>(sql: string, bind: unknown[] = []) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT });
  const category = await catalog.createCategory({ name: `cat-${newId()}` });

  let n = 0;
  return {
    env: testEnv,
    platform,
    db,
    inventory,
    catalog,
    coupons,
    cart,
    appRouter,
    q,
    /** A signed-in customer's cart procedures (a new user unless an id is given). */
    user: (id = newId()) => withOwner(callerOf(`user:${id}`), { type: 'user' as const, id }),
    guest: (id = newId()) => withOwner(callerOf(`guest:${id}`), { type: 'guest' as const, id }),
    anonymous: () => makeCaller(makeContext({ requestId: 'test', ip: '127.0.0.1' })).cart,
    /** A published product with `count` SKUs (prices 1000, 1100, …; `stock` on hand each); returns their ids. */
    async skus(count = 1, opts: { stock?: number; price?: number; publish?: boolean } = {}): Promise<string[]> {
      const p = await catalog.createProduct(
        {
          name: `Product ${n++} ${newId().slice(-6)}`,
          categoryId: category.id,
          images: ['https://img.example/p.png'],
          skus: Array.from({ length: count }, (_, i) => ({
            code: `C-${newId()}`,
            spec: { size: `S${i}` },
            price: (opts.price ?? 1000) + i * 100,
            initialStock: opts.stock ?? 10,
          })),
        },
        ADMIN_ID,
      );
      if (opts.publish !== false) await catalog.publish(p.id);
      return p.skus.map((s) => s.id);
    },
    async productOf(skuId: string): Promise<string> {
      const [r] = await q<{ product_id: string }>(`SELECT product_id FROM catalog.skus WHERE id = $1`, [skuId]);
      return r.product_id;
    },
    /** Free stock and this cart's active hold of a SKU, straight from the tables. */
    async stock(skuId: string, cartId?: string | null) {
      const [s] = await q<{ on_hand: number; reserved: number }>(
        `SELECT on_hand, reserved FROM inventory.stock WHERE sku_id = $1`,
        [skuId],
      );
      const [h] = await q<{ total: number }>(
        `SELECT coalesce(sum(quantity), 0)::int AS total FROM inventory.reservations
          WHERE sku_id = $1 AND status = 'active' AND owner_type = 'cart' AND ($2::uuid IS NULL OR owner_id = $2::uuid)`,
        [skuId, cartId ?? null],
      );
      return { onHand: s.on_hand, reserved: s.reserved, held: h.total };
    },
    async carts(ownerId: string) {
      return q<{ id: string; status: string; merged_into: string | null }>(
        `SELECT id, status, merged_into FROM cart.carts WHERE owner_id = $1 ORDER BY created_at, id`,
        [ownerId],
      );
    },
    close: async () => {
      cart.close();
      await testEnv.close();
    },
  };
}

/** The caller's procedures plus who it is (the tRPC caller is a proxy: properties cannot be added to it). */
function withOwner<C extends object, O extends { type: 'user' | 'guest'; id: string }>(
  caller: C,
  owner: O,
): C & { id: string; owner: O } {
  return new Proxy(caller, {
    get: (target, prop, receiver) =>
      prop === 'id' ? owner.id : prop === 'owner' ? owner : Reflect.get(target, prop, receiver),
  }) as C & { id: string; owner: O };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

export type { CaughtError };

/** Awaits a procedure call that must fail and returns the error as a client would see it (platform/testing's callFailure). */
export const failure = (_h: unknown, call: Promise<unknown>): Promise<CaughtError> => callFailure(call);
