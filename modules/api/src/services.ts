import type { Platform } from '@zjmall/platform';
import { createIdentityService } from '@zjmall/identity';
import { allModels } from './modules';

export interface Secrets {
  jwtSecret: string;
  paymentCallbackSecret: string;
}

/** Builds every module's service on one platform and wires the cross-module hooks (DESIGN.md, Layout). */
const withModels = new WeakSet<object>();

export function createServices(platform: Platform, secrets: Secrets) {
  const { db, config, log } = platform;
  if (!withModels.has(db)) {
    db.addModels(allModels);
    withModels.add(db);
  }
  const identity = createIdentityService({ db, config, jwtSecret: secrets.jwtSecret, log });
  // identity.setOnLogin(...) is wired to the cart merge once the cart module exists.
  return { identity };
}

export type Services = ReturnType<typeof createServices>;
