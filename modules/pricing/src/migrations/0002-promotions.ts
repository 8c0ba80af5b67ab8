import type { Migration } from '@zjmall/platform';

/**
 * Promotional prices moved to the catalog (catalog.sku_promotions, catalog's 0002-promotions),
 * which answers prices and may not read pricing's tables. pricing.promo_prices was written by
 * windowed jobs but never shown by anything, so its rows are not carried over (a migration of
 * pricing may not write catalog's tables either): re-run such a job to schedule its promotion.
 * `down` brings the table back empty, as 0001 made it.
 */
export const m0002Promotions: Migration = {
  name: '0002-promotions',
  async up({ sql }) {
    await sql(`DROP TABLE pricing.promo_prices`);
  },
  async down({ sql }) {
    await sql(`CREATE TABLE pricing.promo_prices (
      job_id     uuid NOT NULL,
      sku_id     uuid NOT NULL,
      price      bigint NOT NULL CHECK (price >= 0),
      base_price bigint NOT NULL CHECK (base_price >= 0),
      starts_at  timestamptz NOT NULL,
      ends_at    timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (job_id, sku_id),
      CHECK (ends_at > starts_at)
    )`);
    await sql(`CREATE INDEX promo_prices_sku_idx ON pricing.promo_prices (sku_id, starts_at)`);
    await sql(`CREATE INDEX promo_prices_ends_idx ON pricing.promo_prices (ends_at)`);
  },
};
