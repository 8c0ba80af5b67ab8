// Test-only helpers (not exported from index.ts): the real identity, inventory, catalog, order and
// payment services on a private database, Redis prefix and NATS stream; the relay running; the
// payment HTTP routes on a Fastify instance (app.inject); tRPC callers for real users.
import Fastify from 'fastify';
import type { PaymentChannel } from '@zjmall/contracts';
import { QueryTypes, type Transaction } from 'sequelize';
import {
  createCallerFactory,
  createContextFactory,
  DomainError,
  newId,
  platformMigrations,
  router,
  type Authenticate,
} from '@zjmall/platform';
import { createTestEnv, callFailure, type CaughtError } from '@zjmall/platform/testing';
import { createInventoryService, inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import { catalogMigrations, catalogModels, createCatalogService } from '@zjmall/catalog';
import { createCouponService, pricingMigrations } from '@zjmall/pricing';
import {
  createOrderRouter,
  createOrderService,
  orderMigrations,
  type CartCheckoutLine,
  type OrderCartPort,
  type OrderIdentityPort,
} from '@zjmall/order';
import { createPaymentRouter, createPaymentService, paymentMigrations, registerPaymentRoutes } from '../index';

// Payment may not import identity (docs/architecture.md's DAG): callers are named by their token
// (`customer:<uuid>` / `admin:<uuid>`), and every user has the one address below.
const authenticate: Authenticate = async (token) => {
  const [role, id] = token.split(':');
  if ((role === 'customer' || role === 'admin') && id) return { ok: true, auth: { kind: 'user', userId: id, role } };
  return { ok: false, reason: 'invalid' };
};
const ADDRESS_ID = '00000000-0000-7000-8000-0000000add01';
const addresses: OrderIdentityPort = {
  async listAddresses() {
    const at = new Date().toISOString();
    return [
      {
        id: ADDRESS_ID,
        receiver: '李四',
        phone: '13900000000',
        province: '上海',
        city: '上海',
        district: '浦东',
        detail: '世纪大道 1 号',
        isDefault: true,
        createdAt: at,
        updatedAt: at,
      },
    ];
  },
};

/** A minimal cart (lines in memory, no holds: checkout reserves the stock); a line's agreed price is given. */
function simpleCart(): OrderCartPort & { add(userId: string, skuId: string, quantity: number, price: number): void } {
  const carts = new Map<string, { id: string; lines: CartCheckoutLine[] }>();
  const of = (u: string) => carts.get(u) ?? carts.set(u, { id: newId(), lines: [] }).get(u)!;
  return {
    add: (u, skuId, quantity, price) =>
      void of(u).lines.push({ itemId: newId(), skuId, quantity, addedPrice: price, selected: true }),
    async checkoutView(u, itemIds) {
      const c = of(u);
      if (itemIds?.some((id) => !c.lines.some((l) => l.itemId === id)))
        throw new DomainError('CART_ITEM_NOT_FOUND', 'Cart item not found');
      return {
        cartId: c.id,
        currency: 'CNY',
        lines: c.lines.filter((l) => (itemIds ? itemIds.includes(l.itemId) : l.selected)),
      };
    },
    async removeOrderedLines(tx: Transaction, cartId, itemIds) {
      tx.afterCommit(() => {
        for (const c of carts.values())
          if (c.id === cartId) c.lines = c.lines.filter((l) => !itemIds.includes(l.itemId));
      });
    },
  };
}

export async function createPaymentHarness(label: string, env: Record<string, string> = {}) {
  const testEnv = await createTestEnv({
    label,
    env,
    modules: [
      platformMigrations,
      inventoryMigrations,
      catalogMigrations,
      pricingMigrations,
      orderMigrations,
      paymentMigrations,
    ],
  });
  const { platform, config } = testEnv;
  const { db } = platform;
  db.addModels([...inventoryModels, ...catalogModels]);
  const inventory = createInventoryService(platform);
  const catalog = createCatalogService({ ...platform, inventory });
  const cart = simpleCart();
  const order = createOrderService({
    ...platform,
    inventory,
    catalog,
    identity: addresses,
    cart,
    coupons: createCouponService(platform),
  });
  const payment = createPaymentService({ ...platform, order, callbackSecret: config.PAYMENT_CALLBACK_SECRET! });
  for (const h of payment.durableHandlers()) await platform.bus.addDurable(h);
  platform.relay.start();
  const app = Fastify();
  await registerPaymentRoutes(app, { payment });
  await app.ready();

  const appRouter = router({ order: createOrderRouter(order), payment: createPaymentRouter(payment) });
  const makeCaller = createCallerFactory(appRouter);
  const makeContext = createContextFactory({ authenticate, log: testEnv.log });
  const caller = (token: string) =>
    makeCaller(makeContext({ requestId: 'test', ip: '127.0.0.1', authorization: `Bearer ${token}` }));
  const q = <T extends object>(sql: string, bind: unknown[] = []) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT });
  const categoryId = (await catalog.createCategory({ name: `cat-${newId().slice(-8)}` })).id;
  const key = () => `key-${newId()}`;

  async function register(role: 'customer' | 'admin') {
    const id = newId();
    const token = `${role}:${id}`;
    return { id, token, addressId: ADDRESS_ID, api: caller(token) };
  }

  const h = {
    env: testEnv,
    platform,
    db,
    inventory,
    catalog,
    order,
    payment,
    app,
    appRouter,
    q,
    key,
    user: () => register('customer'),
    admin: () => register('admin'),
    async sku(price: number, stock: number) {
      const p = await catalog.createProduct(
        {
          name: `P ${newId().slice(-8)}`,
          categoryId,
          skus: [{ code: `S-${newId().slice(-12)}`, spec: { color: 'red' }, price, initialStock: stock }],
        },
        'test',
      );
      await catalog.publish(p.id);
      return p.skus[0].id;
    },
    /** A user with a pending order of `qty` units of a fresh SKU (price, stock) and its open payment. */
    async ordered(
      opts: {
        price?: number;
        qty?: number;
        stock?: number;
        channel?: PaymentChannel;
        device?: 'desktop' | 'mobile';
        returnUrl?: string;
        skus?: number;
      } = {},
    ) {
      const u = await register('customer');
      const skuIds: string[] = [];
      for (let i = 0; i < (opts.skus ?? 1); i++) {
        const sku = await h.sku(opts.price ?? 1000, opts.stock ?? 10);
        cart.add(u.id, sku, opts.qty ?? 2, opts.price ?? 1000);
        skuIds.push(sku);
      }
      const o = await u.api.order.checkout({ addressId: u.addressId, idempotencyKey: key() });
      const pay = await u.api.payment.create({
        orderId: o.id,
        channel: opts.channel ?? 'sandbox_alipay',
        idempotencyKey: key(),
        ...(opts.device ? { device: opts.device } : {}),
        ...(opts.returnUrl ? { returnUrl: opts.returnUrl } : {}),
      });
      return { u, sku: skuIds[0], skuIds, order: o, payment: pay };
    },
    approve: (paymentId: string) => app.inject({ method: 'POST', url: `/sandbox/pay/${paymentId}/approve` }),
    decline: (paymentId: string) => app.inject({ method: 'POST', url: `/sandbox/pay/${paymentId}/decline` }),
    callback: (channel: string, headers: Record<string, string>, body: string) =>
      app.inject({ method: 'POST', url: `/payments/callback/${channel}`, headers, payload: body }),
    async stock(skuId: string) {
      const [r] = await q<{ on_hand: number; reserved: number }>(
        `SELECT on_hand, reserved FROM inventory.stock WHERE sku_id = $1`,
        [skuId],
      );
      return { onHand: r.on_hand, reserved: r.reserved };
    },
    /** A payment's row as the provider channels' tests check it. */
    async paymentRow(paymentId: string) {
      const [r] = await q<{ status: string; transaction_id: string | null; refunded_amount: number }>(
        `SELECT status, transaction_id, refunded_amount FROM payment.payments WHERE id = $1`,
        [paymentId],
      );
      return r;
    },
    async orderStatus(orderId: string) {
      const [r] = await q<{ status: string }>(`SELECT status FROM "order".orders WHERE id = $1`, [orderId]);
      return r.status;
    },
    async events<T = unknown>(type: string, aggregateId?: string) {
      return q<{ data: T }>(
        `SELECT data FROM platform.outbox WHERE type = $1 AND ($2::text IS NULL OR aggregate_id = $2) ORDER BY seq`,
        [type, aggregateId ?? null],
      );
    },
    async ledger(skuId: string, type: string) {
      return q<{ quantity: number; ref_type: string; ref_id: string }>(
        `SELECT quantity, ref_type, ref_id FROM inventory.ledger WHERE sku_id = $1 AND type = $2 ORDER BY id`,
        [skuId, type],
      );
    },
    async close() {
      await app.close();
      await testEnv.close();
    },
  };
  return h;
}

export type PaymentHarness = Awaited<ReturnType<typeof createPaymentHarness>>;

export type { CaughtError };

/** Awaits a procedure call that must fail and returns the error as a client would see it (platform/testing's callFailure). */
export const failure = (_h: unknown, call: Promise<unknown>): Promise<CaughtError> => callFailure(call);

export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
