import type { Platform } from '@zjmall/platform';
import { createIdentityService } from '@zjmall/identity';
import { createInventoryService } from '@zjmall/inventory';
import {
  createCatalogPricingFeed,
  createCatalogService,
  createSaleService,
  type CatalogOptions,
} from '@zjmall/catalog';
import { createCouponService, createPricingService } from '@zjmall/pricing';
import { createCartService } from '@zjmall/cart';
import { createOrderService, createPurchaseCounter } from '@zjmall/order';
import { createPaymentService } from '@zjmall/payment';
import { createNotificationService } from '@zjmall/notification';
import { createActivityFeed } from './activity';
import { withSaleGate } from './sale-gate';
import { allModels } from './modules';

export interface Secrets {
  jwtSecret: string;
  paymentCallbackSecret: string;
}

const withModels = new WeakSet<object>();

/** Settings a deployment leaves at their defaults; tests change them (e.g. the statement budget). */
export interface ServiceOptions {
  catalog?: Partial<CatalogOptions>;
  identity?: { accessTtlSeconds?: number };
  sales?: { queuedMemoMs?: number };
}

/** Builds every module's service on one platform and wires the cross-module hooks (docs/architecture.md, Layout). */
export function createServices(platform: Platform, secrets: Secrets, options: ServiceOptions = {}) {
  const { db, config, log } = platform;
  if (!withModels.has(db)) {
    db.addModels(allModels);
    withModels.add(db);
  }
  const identity = createIdentityService({
    db,
    config,
    jwtSecret: secrets.jwtSecret,
    log,
    cache: platform.cache,
    accessTtlSeconds: options.identity?.accessTtlSeconds,
  });
  const inventory = createInventoryService(platform);
  const catalog = createCatalogService({ ...platform, inventory, options: options.catalog });
  // Queued sales: the admission queue (sale.*) and the gate the cart and checkout ask.
  const sales = createSaleService({ ...platform, inventory, queuedMemoMs: options.sales?.queuedMemoMs });
  // Price jobs read and write catalog prices through catalog's feed, never its tables.
  const pricingFeed = createCatalogPricingFeed(platform);
  const pricing = createPricingService({ ...platform, feed: pricingFeed });
  // Cart shows the applied coupon's discount; checkout redeems it and cancel gives the use back.
  const coupons = createCouponService(platform);
  // Queued sales gate cart adds and checkout (sale-gate.ts): neither module knows about sales.
  // Purchase limits: cart counts a customer's orders through order's counter (cart cannot import order).
  const purchases = createPurchaseCounter(platform);
  const cart = withSaleGate(createCartService({ ...platform, catalog, inventory, coupons, purchases }), sales, log);
  // Login with a guest token merges the guest's cart (identity cannot import cart: docs/architecture.md, Layout).
  identity.setOnLogin((userId, guestId) => cart.mergeGuestCart(userId, guestId));
  const order = createOrderService({ ...platform, inventory, catalog, identity, cart, coupons });
  const payment = createPaymentService({ ...platform, order, callbackSecret: secrets.paymentCallbackSecret });
  platform.log.info({ channels: payment.channels().map((c) => c.channel) }, 'payment channels on');
  // admin.onActivity: order and payment events as they are published, from every process.
  const activity = createActivityFeed(platform);
  // Inbox, staff alerts and webhooks: fed by events; reads carts and orders through their services.
  const notification = createNotificationService({ ...platform, cart, order });
  return {
    identity,
    inventory,
    catalog,
    sales,
    pricingFeed,
    pricing,
    coupons,
    cart,
    order,
    payment,
    activity,
    notification,
  };
}

export type Services = ReturnType<typeof createServices>;
