import type { Migration } from '@zjmall/platform';

export const m0005PriceChangedAt: Migration = {
  name: '0005-price-changed-at',
  async up({ sql }) {
    // When the SKU's current price (what a customer pays: promotion-view.ts) last changed, by the
    // database clock: written with every change of it (a base price that shows, a promotion published
    // by the sweeper or ended). Cart/order's honour window (PRICE_HONOR_SECONDS) counts from it.
    // Existing SKUs: their row's last write, the best that is known of their last price change.
    await sql(`ALTER TABLE catalog.skus ADD COLUMN price_changed_at timestamptz`);
    await sql(`UPDATE catalog.skus SET price_changed_at = updated_at`);
    await sql(`ALTER TABLE catalog.skus ALTER COLUMN price_changed_at SET DEFAULT now(),
      ALTER COLUMN price_changed_at SET NOT NULL`);
  },
  async down({ sql }) {
    await sql(`ALTER TABLE catalog.skus DROP COLUMN price_changed_at`);
  },
};
