import type { Migration } from '@zjmall/platform';

export const m0002Promotions: Migration = {
  name: '0002-promotions',
  async up({ sql }) {
    // Promotional prices of windowed pricing jobs (written through the pricing feed). `state` and
    // `due_at` are the boundary sweeper's bookkeeping: `due_at` is the next boundary still to be
    // processed (starts_at while scheduled, ends_at while active, NULL once ended), so "what is
    // due" is one range scan of one partial index whatever mix of starts and ends is pending.
    await sql(`CREATE TABLE catalog.sku_promotions (
      job_id     uuid NOT NULL,
      sku_id     uuid NOT NULL REFERENCES catalog.skus (id),
      price      bigint NOT NULL CHECK (price >= 0 AND price <= 1000000000000),
      base_price bigint NOT NULL CHECK (base_price >= 0),
      starts_at  timestamptz NOT NULL,
      ends_at    timestamptz NOT NULL,
      state      text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'active', 'ended')),
      due_at     timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (job_id, sku_id),
      CHECK (ends_at > starts_at),
      CHECK ((state = 'ended') = (due_at IS NULL))
    )`);
    await sql(`CREATE INDEX sku_promotions_due_idx ON catalog.sku_promotions (due_at) WHERE due_at IS NOT NULL`);
    // "Which promotions of this SKU hold now?" — ended ones never do, so they stay out of the index.
    await sql(`CREATE INDEX sku_promotions_sku_idx ON catalog.sku_promotions (sku_id, job_id) WHERE state <> 'ended'`);
    // The promotion the SKU shows, as last published (by the sweeper or the job that started it):
    // every read computes the current price from the SKU row alone, and price_changed events
    // compare published states, so they chain (each event's oldPrice is the last one's newPrice).
    await sql(`ALTER TABLE catalog.skus
      ADD COLUMN promo_price bigint CHECK (promo_price >= 0),
      ADD COLUMN promo_job_id uuid,
      ADD COLUMN promo_starts_at timestamptz,
      ADD COLUMN promo_ends_at timestamptz,
      ADD CONSTRAINT skus_promo_check CHECK (
        (promo_price IS NULL) = (promo_job_id IS NULL) AND (promo_price IS NULL) = (promo_starts_at IS NULL)
        AND (promo_price IS NULL) = (promo_ends_at IS NULL))`);
  },
  async down({ sql }) {
    await sql(`ALTER TABLE catalog.skus DROP CONSTRAINT skus_promo_check,
      DROP COLUMN promo_price, DROP COLUMN promo_job_id, DROP COLUMN promo_starts_at, DROP COLUMN promo_ends_at`);
    await sql(`DROP TABLE catalog.sku_promotions`);
  },
};
