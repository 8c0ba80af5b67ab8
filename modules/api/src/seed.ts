import { DomainError, type Logger } from '@zjmall/platform';
import { DEFAULT_SEED_PRODUCTS, progressBar, seedCatalog, type SeedReport } from '@zjmall/catalog';
import type { Runtime } from './boot';

export { DEFAULT_SEED_PRODUCTS, progressBar };

export interface DemoUsers {
  admin: { email: string; password: string };
  customer: { email: string; password: string };
}

/** The demo shop: catalog and stock (idempotent), an admin and a customer. */
export async function seedDemo(
  rt: Pick<Runtime, 'platform' | 'services'>,
  opts: { products?: number; users: DemoUsers; log: Logger; onProgress?: Parameters<typeof seedCatalog>[0]['onProgress'] },
): Promise<SeedReport> {
  const { identity, catalog, inventory } = rt.services;
  return seedCatalog({
    db: rt.platform.db,
    catalog,
    inventory,
    log: opts.log,
    products: opts.products ?? DEFAULT_SEED_PRODUCTS,
    onProgress: opts.onProgress,
    ensureUsers: async () => {
      await identity.ensureAdmin(opts.users.admin.email, opts.users.admin.password);
      try {
        await identity.register({ email: opts.users.customer.email, password: opts.users.customer.password, name: '演示顾客' });
      } catch (e) {
        if (!(e instanceof DomainError && e.appCode === 'EMAIL_TAKEN')) throw e;
      }
    },
  });
}
