import type { Migration } from '@zjmall/platform';

export const m0001Payment: Migration = {
  name: '0001-payment',
  async up({ sql }) {
    await sql(`CREATE SCHEMA IF NOT EXISTS payment`);
    await sql(`CREATE TABLE payment.payments (
      id              uuid PRIMARY KEY,
      order_id        uuid NOT NULL,
      user_id         uuid NOT NULL,
      channel         text NOT NULL,
      status          text NOT NULL CHECK (status IN ('pending','succeeded','failed','closed','refunded','partially_refunded')),
      amount          bigint NOT NULL CHECK (amount >= 0),
      refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
      currency        text NOT NULL,
      transaction_id  text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      paid_at         timestamptz,
      closed_at       timestamptz
    )`);
    // One open payment per order (docs/api.md): a second pending row cannot exist.
    await sql(
      `CREATE UNIQUE INDEX payments_one_open_per_order ON payment.payments (order_id) WHERE status = 'pending'`,
    );
    await sql(`CREATE INDEX payments_order_idx ON payment.payments (order_id, id)`);
    await sql(`CREATE INDEX payments_paid_at_idx ON payment.payments (paid_at) WHERE paid_at IS NOT NULL`);

    await sql(`CREATE TABLE payment.refunds (
      id         uuid PRIMARY KEY,
      payment_id uuid NOT NULL REFERENCES payment.payments (id),
      order_id   uuid NOT NULL,
      amount     bigint NOT NULL CHECK (amount > 0),
      items      jsonb NOT NULL DEFAULT '[]',
      reason     text NOT NULL,
      status     text NOT NULL CHECK (status IN ('succeeded')),
      automatic  boolean NOT NULL DEFAULT false,
      operator   text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await sql(`CREATE INDEX refunds_payment_idx ON payment.refunds (payment_id, id)`);

    // Verified provider callbacks, keyed by the provider's transaction id; kept forever (docs/architecture.md).
    await sql(`CREATE TABLE payment.inbox (
      channel        text NOT NULL,
      transaction_id text NOT NULL,
      payment_id     text NOT NULL,
      payload        jsonb NOT NULL,
      status         text NOT NULL DEFAULT 'received' CHECK (status IN ('received','processed','rejected')),
      outcome        text,
      deliveries     integer NOT NULL DEFAULT 1,
      received_at    timestamptz NOT NULL DEFAULT now(),
      processed_at   timestamptz,
      PRIMARY KEY (channel, transaction_id)
    )`);
  },
  async down({ sql }) {
    await sql(`DROP SCHEMA IF EXISTS payment CASCADE`);
  },
};
