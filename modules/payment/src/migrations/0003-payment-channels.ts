import type { Migration } from '@zjmall/platform';

/**
 * Real channels (Alipay, WeChat Pay): the pay URL and QR code made when the trade is opened at the
 * provider, the device it was opened for; refunds that wait for the provider (`pending` → `succeeded`
 * | `failed`); an id per inbox entry for the admins' view and replay.
 */
export const m0003PaymentChannels: Migration = {
  name: '0003-payment-channels',
  async up({ sql }) {
    await sql(`ALTER TABLE payment.payments
      ADD COLUMN pay_url text,
      ADD COLUMN qr_code text,
      ADD COLUMN device text NOT NULL DEFAULT 'desktop' CHECK (device IN ('desktop','mobile'))`);
    await sql(`CREATE INDEX payments_pending_idx ON payment.payments (created_at) WHERE status = 'pending'`);
    await sql(`ALTER TABLE payment.refunds DROP CONSTRAINT refunds_status_check`);
    await sql(`ALTER TABLE payment.refunds
      ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending','succeeded','failed')),
      ADD COLUMN detail text,
      ADD COLUMN settled_at timestamptz`);
    await sql(`CREATE INDEX refunds_pending_idx ON payment.refunds (created_at) WHERE status = 'pending'`);
    await sql(`ALTER TABLE payment.inbox ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE`);
    await sql(`CREATE INDEX inbox_payment_idx ON payment.inbox (payment_id, received_at)`);
  },
  async down({ sql }) {
    await sql(`DROP INDEX IF EXISTS payment.inbox_payment_idx`);
    await sql(`ALTER TABLE payment.inbox DROP COLUMN IF EXISTS id`);
    await sql(`DROP INDEX IF EXISTS payment.refunds_pending_idx`);
    await sql(`DELETE FROM payment.refunds WHERE status <> 'succeeded'`);
    await sql(
      `ALTER TABLE payment.refunds DROP CONSTRAINT refunds_status_check, DROP COLUMN detail, DROP COLUMN settled_at`,
    );
    await sql(`ALTER TABLE payment.refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('succeeded'))`);
    await sql(`DROP INDEX IF EXISTS payment.payments_pending_idx`);
    await sql(`ALTER TABLE payment.payments DROP COLUMN pay_url, DROP COLUMN qr_code, DROP COLUMN device`);
  },
};
