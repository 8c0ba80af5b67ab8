import type { Migration } from '@zjmall/platform';

export const m0004PurchaseLimits: Migration = {
  name: '0004-purchase-limits',
  async up({ sql }) {
    // Units per customer (NULL: no limit) and the window it is in force in (each bound NULL: open).
    await sql(`ALTER TABLE catalog.skus
      ADD COLUMN purchase_limit integer CHECK (purchase_limit > 0),
      ADD COLUMN limit_starts_at timestamptz,
      ADD COLUMN limit_ends_at timestamptz,
      ADD CONSTRAINT skus_limit_window_check CHECK (limit_ends_at > limit_starts_at),
      ADD CONSTRAINT skus_limit_window_needs_limit_check
        CHECK (purchase_limit IS NOT NULL OR (limit_starts_at IS NULL AND limit_ends_at IS NULL))`);
  },
  async down({ sql }) {
    await sql(
      `ALTER TABLE catalog.skus DROP COLUMN purchase_limit, DROP COLUMN limit_starts_at, DROP COLUMN limit_ends_at`,
    );
  },
};
