import type { Migration } from '@zjmall/platform';

/**
 * An admin can switch a coupon off (`pricing.admin.disableCoupon`): it then applies nowhere
 * (`COUPON_INVALID` with reason `disabled`). Kept, not deleted: orders refer to its uses.
 */
export const m0004CouponDisable: Migration = {
  name: '0004-coupon-disable',
  async up({ sql }) {
    await sql(`ALTER TABLE pricing.coupons ADD COLUMN disabled_at timestamptz, ADD COLUMN disabled_by uuid`);
  },
  async down({ sql }) {
    await sql(`ALTER TABLE pricing.coupons DROP COLUMN disabled_at, DROP COLUMN disabled_by`);
  },
};
