import type { Migration } from '@zjmall/platform';

export const m0001Pricing: Migration = {
  name: '0001-pricing',
  async up({ sql }) {
    await sql(`CREATE SCHEMA pricing`);
    // A recalculation job. `cursor` (the last SKU id done) advances in the same transaction as the
    // batch's price writes, so a job resumed from it never applies a batch twice. A running job
    // holds a lease; a runner that finds it expired (the owner died) takes the job over.
    await sql(`CREATE TABLE pricing.jobs (
      id          uuid PRIMARY KEY,
      status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
      input       jsonb NOT NULL,
      total       bigint NOT NULL DEFAULT 0 CHECK (total >= 0),
      processed   bigint NOT NULL DEFAULT 0 CHECK (processed >= 0),
      changed     bigint NOT NULL DEFAULT 0 CHECK (changed >= 0),
      batches     integer NOT NULL DEFAULT 0,
      cursor      uuid,
      error       text,
      attempts    integer NOT NULL DEFAULT 0,
      lease_owner text,
      lease_until timestamptz,
      created_by  uuid,
      created_at  timestamptz NOT NULL DEFAULT now(),
      started_at  timestamptz,
      finished_at timestamptz,
      updated_at  timestamptz NOT NULL DEFAULT now()
    )`);
    await sql(`CREATE INDEX jobs_claim_idx ON pricing.jobs (created_at) WHERE status IN ('queued', 'running')`);
    // Promotional prices of windowed jobs: the base price stays in catalog.skus; inside
    // [starts_at, ends_at) the promotional price is the current one (see README, "Promotions").
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
  async down({ sql }) {
    await sql(`DROP TABLE pricing.promo_prices`);
    await sql(`DROP TABLE pricing.jobs`);
    await sql(`DROP SCHEMA pricing`);
  },
};
