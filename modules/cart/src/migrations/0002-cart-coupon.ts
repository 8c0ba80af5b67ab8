import type { Migration } from '@zjmall/platform';

export const m0002CartCoupon: Migration = {
  name: '0002-cart-coupon',
  async up({ sql }) {
    // The code applied with cart.applyCoupon (upper case; pricing's coupon by code, no FK across
    // schemas). Kept while the coupon does not apply, so the cart can say why.
    await sql(`ALTER TABLE cart.carts ADD COLUMN coupon_code text`);
  },
  async down({ sql }) {
    await sql(`ALTER TABLE cart.carts DROP COLUMN coupon_code`);
  },
};
