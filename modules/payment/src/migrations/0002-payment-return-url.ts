import type { Migration } from '@zjmall/platform';

/** Where the sandbox page sends the browser after its button (absolute URL; null: answer JSON). */
export const m0002PaymentReturnUrl: Migration = {
  name: '0002-payment-return-url',
  async up({ sql }) {
    await sql(`ALTER TABLE payment.payments ADD COLUMN return_url text`);
  },
  async down({ sql }) {
    await sql(`ALTER TABLE payment.payments DROP COLUMN IF EXISTS return_url`);
  },
};
