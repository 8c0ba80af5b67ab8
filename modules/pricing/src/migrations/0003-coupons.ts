import type { Migration } from '@zjmall/platform';

export const m0003Coupons: Migration = {
  name: '0003-coupons',
  async up({ sql }) {
    // Codes are stored upper case (case-insensitive codes). `used_count` is the fence of the usage
    // limit: a use is taken by `UPDATE … WHERE used_count < usage_limit`, and the CHECK backs it.
    await sql(`CREATE TABLE pricing.coupons (
      id             uuid PRIMARY KEY,
      code           text NOT NULL UNIQUE CHECK (code = upper(code)),
      kind           text NOT NULL CHECK (kind IN ('FIXED', 'PERCENT')),
      value          bigint NOT NULL CHECK (value > 0 AND (kind = 'FIXED' OR value <= 100)),
      min_spend      bigint NOT NULL DEFAULT 0 CHECK (min_spend >= 0),
      starts_at      timestamptz,
      ends_at        timestamptz,
      usage_limit    integer CHECK (usage_limit > 0),
      per_user_limit integer CHECK (per_user_limit > 0),
      used_count     integer NOT NULL DEFAULT 0 CHECK (used_count >= 0 AND (usage_limit IS NULL OR used_count <= usage_limit)),
      created_by     uuid,
      created_at     timestamptz NOT NULL DEFAULT now(),
      CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at)
    )`);
    // One row per order that used a coupon (order and user by id: no FK across schemas). A cancelled
    // order's use is `released` (kept, with released_at) and no longer counts.
    await sql(`CREATE TABLE pricing.coupon_uses (
      id          uuid PRIMARY KEY,
      coupon_id   uuid NOT NULL REFERENCES pricing.coupons (id),
      user_id     uuid NOT NULL,
      order_id    uuid NOT NULL UNIQUE,
      discount    bigint NOT NULL CHECK (discount >= 0),
      status      text NOT NULL DEFAULT 'used' CHECK (status IN ('used', 'released')),
      created_at  timestamptz NOT NULL DEFAULT now(),
      released_at timestamptz
    )`);
    // The per-user count (only uses that still count).
    await sql(`CREATE INDEX coupon_uses_user_idx ON pricing.coupon_uses (coupon_id, user_id) WHERE status = 'used'`);
  },
  async down({ sql }) {
    await sql(`DROP TABLE pricing.coupon_uses`);
    await sql(`DROP TABLE pricing.coupons`);
  },
};
