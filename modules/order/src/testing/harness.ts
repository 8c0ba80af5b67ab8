// Test-only helpers (not exported from index.ts): a platform on its own database, Redis prefix and
// NATS stream; the real identity, inventory, catalog and coupon (pricing) services; a memory cart; the order service
// and router; tRPC callers for real users.
import { randomBytes } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import {
  createCallerFactory,
  createContextFactory,
  newId,
  platformMigrations,
  router,
  type ModuleMigrations,
} from '@zjmall/platform';
import { createTestEnv, callFailure, type CaughtError } from '@zjmall/platform/testing';
import { createIdentityService, identityMigrations, identityModels } from '@zjmall/identity';
import { createInventoryService, inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import { catalogMigrations, catalogModels, createCatalogService } from '@zjmall/catalog';
import { createCouponService, pricingMigrations } from '@zjmall/pricing';
import { cartMigrations, createCartService, type CartService } from '@zjmall/cart';
import { createOrderRouter, createOrderService, createPurchaseCounter, orderMigrations } from '../index';
import { createMemoryCart } from './memory-cart';

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Migrations of modules above order (payment's tests add theirs). */
  extraMigrations?: ModuleMigrations[];
  /** Check out from the real cart module instead of the memory cart. */
  realCart?: boolean;
}

export async function createOrderHarness(label: string, opts: HarnessOptions = {}) {
  const env = await createTestEnv({
    label,
    env: opts.env,
    modules: [
      platformMigrations,
      identityMigrations,
      inventoryMigrations,
      catalogMigrations,
      pricingMigrations,
      ...(opts.realCart ? [cartMigrations] : []),
      orderMigrations,
      ...(opts.extraMigrations ?? []),
    ],
  });
  const { platform } = env;
  const { db } = platform;
  db.addModels([...identityModels, ...inventoryModels, ...catalogModels]);
  const identity = createIdentityService({
    db,
    config: env.config,
    jwtSecret: randomBytes(32).toString('hex'),
    log: env.log,
    cache: platform.cache,
  });
  const inventory = createInventoryService(platform);
  const catalog = createCatalogService({ ...platform, inventory });
  const memoryCart = createMemoryCart(inventory, catalog, env.config.STORE_CURRENCY);
  const coupons = createCouponService(platform);
  const realCart: CartService | null = opts.realCart
    ? createCartService({ ...platform, catalog, inventory, coupons, purchases: createPurchaseCounter(platform) })
    : null;
  const cart = realCart ?? memoryCart;
  const order = createOrderService({ ...platform, inventory, catalog, identity, cart, coupons });
  const appRouter = router({ order: createOrderRouter(order) });
  const makeCaller = createCallerFactory(appRouter);
  const makeContext = createContextFactory({ authenticate: identity.authenticate, log: env.log });
  const caller = (token: string) =>
    makeCaller(makeContext({ requestId: 'test', ip: '127.0.0.1', authorization: `Bearer ${token}` }));
  const q = <T extends object>(sql: string, bind: unknown[] = []) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT });
  const categoryId = (await catalog.createCategory({ name: `cat-${newId().slice(-8)}` })).id;
  const ADMIN = newId();

  return {
    env,
    platform,
    db,
    identity,
    inventory,
    catalog,
    coupons,
    cart: memoryCart,
    realCart,
    order,
    appRouter,
    caller,
    q,
    /** A signed-in customer with one address. */
    async user() {
      const { user, token } = await identity.register({
        email: `u${newId().slice(-12)}@t.example`,
        password: 'password123',
        name: 'Buyer',
      });
      const address = await identity.createAddress(user.id, {
        receiver: '张三',
        phone: '13800000000',
        province: '浙江',
        city: '杭州',
        district: '西湖',
        detail: '文三路 1 号',
      });
      return { id: user.id, token, addressId: address.id, api: caller(token).order };
    },
    async admin() {
      const { user } = await identity.register({
        email: `a${newId().slice(-12)}@t.example`,
        password: 'password123',
        name: 'Admin',
      });
      await db.query(`UPDATE identity.users SET role = 'admin' WHERE id = $1`, { bind: [user.id] });
      const { token } = await identity.login({ email: user.email, password: 'password123' });
      return { id: user.id, token, api: caller(token).order };
    },
    /** A published product's SKU with this price and stock. */
    async sku(price: number, stock: number): Promise<string> {
      const p = await catalog.createProduct(
        {
          name: `P ${newId().slice(-8)}`,
          categoryId,
          skus: [{ code: `S-${newId().slice(-12)}`, spec: { size: 'M' }, price, initialStock: stock }],
        },
        ADMIN,
      );
      await catalog.publish(p.id);
      return p.skus[0].id;
    },
    async stock(skuId: string) {
      const [r] = await q<{ on_hand: number; reserved: number }>(
        `SELECT on_hand, reserved FROM inventory.stock WHERE sku_id = $1`,
        [skuId],
      );
      return { onHand: r.on_hand, reserved: r.reserved };
    },
    async reservations(ownerId: string) {
      return q<{ sku_id: string; quantity: number; status: string; owner_type: string }>(
        `SELECT sku_id, quantity, status, owner_type FROM inventory.reservations WHERE owner_id = $1 ORDER BY created_at`,
        [ownerId],
      );
    },
    async events<T = unknown>(type: string, aggregateId?: string) {
      return q<{ data: T; aggregate_id: string }>(
        `SELECT data, aggregate_id FROM platform.outbox WHERE type = $1 AND ($2::text IS NULL OR aggregate_id = $2) ORDER BY seq`,
        [type, aggregateId ?? null],
      );
    },
    /** Makes an order's payment deadline pass now (the database clock decides expiry). */
    async expire(orderId: string) {
      await db.query(`UPDATE "order".orders SET expires_at = now() - interval '1 second' WHERE id = $1`, {
        bind: [orderId],
      });
    },
    key: () => `key-${newId()}`,
    async close() {
      realCart?.close();
      await env.close();
    },
  };
}

export type OrderHarness = Awaited<ReturnType<typeof createOrderHarness>>;

export type { CaughtError };

/** Awaits a procedure call that must fail and returns the error as a client would see it (platform/testing's callFailure). */
export const failure = (_h: unknown, call: Promise<unknown>): Promise<CaughtError> => callFailure(call);
