import { adminProcedure, publicProcedure, router } from '@zjmall/platform';
import { AdminActivity, PingOutput } from '@zjmall/contracts';
import { createIdentityRouters } from '@zjmall/identity';
import { createInventoryRouter } from '@zjmall/inventory';
import { createCatalogRouter, createSaleRouter } from '@zjmall/catalog';
import { createPricingRouter } from '@zjmall/pricing';
import { createCartRouter } from '@zjmall/cart';
import { createOrderRouter } from '@zjmall/order';
import { createPaymentRouter } from '@zjmall/payment';
import { createNotificationRouter } from '@zjmall/notification';
import type { Services } from './services';

/** The one tRPC router of the BFF: every module's router under its docs/api.md name. */
export function createAppRouter(services: Services) {
  const identity = createIdentityRouters(services.identity);
  return router({
    health: router({
      /** Cheapest possible procedure: liveness through the whole tRPC path (and the BFF floor benchmark). */
      ping: publicProcedure
        .meta({ output: PingOutput })
        .query((): PingOutput => ({ pong: true, at: new Date().toISOString() })),
    }),
    auth: identity.auth,
    address: identity.address,
    identity: identity.identity,
    inventory: createInventoryRouter(services.inventory),
    catalog: createCatalogRouter(services.catalog, services.sales),
    sale: createSaleRouter(services.sales),
    pricing: createPricingRouter(services.pricing, services.coupons),
    cart: createCartRouter(services.cart, { guestIdOf: services.identity.guestIdOf }),
    order: createOrderRouter(services.order),
    payment: createPaymentRouter(services.payment),
    notification: createNotificationRouter(services.notification),
    admin: router({
      /** Order and payment events as they are published (SSE; admins only). */
      onActivity: adminProcedure
        .meta({ output: AdminActivity })
        .subscription(({ signal }) => services.activity(signal)),
    }),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
