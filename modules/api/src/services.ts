import type { Platform } from '@zjmall/platform';
import { createIdentityService } from '@zjmall/identity';
import { createInventoryService } from '@zjmall/inventory';
import { createCatalogService } from '@zjmall/catalog';
import { allModels } from './modules';

export interface Secrets {
  jwtSecret: string;
  paymentCallbackSecret: string;
}

const withModels = new WeakSet<object>();

/** Builds every module's service on one platform and wires the cross-module hooks (DESIGN.md, Layout). */
export function createServices(platform: Platform, secrets: Secrets) {
  const { db, config, log } = platform;
  if (!withModels.has(db)) {
    db.addModels(allModels);
    withModels.add(db);
  }
  const identity = createIdentityService({ db, config, jwtSecret: secrets.jwtSecret, log });
  const inventory = createInventoryService(platform);
  const catalog = createCatalogService({ ...platform, inventory });
  // identity.setOnLogin(...) is wired to the cart merge once the cart module exists.
  return { identity, inventory, catalog };
}

export type Services = ReturnType<typeof createServices>;
