import type { Migration } from '@zjmall/platform';

export const m0001Order: Migration = {
  name: '0001-order',
  async up({ sql }) {
    await sql(`CREATE SCHEMA IF NOT EXISTS "order"`);
    // Order numbers: the date in STORE_TIMEZONE + this sequence, zero-padded (unique across processes).
    await sql(`CREATE SEQUENCE "order".order_no_seq AS bigint`);
    await sql(`CREATE TABLE "order".orders (
      id               uuid PRIMARY KEY,
      order_no         text NOT NULL UNIQUE,
      user_id          uuid NOT NULL,
      status           text NOT NULL CHECK (status IN ('pending_payment','paid','shipped','completed','cancelled','partially_refunded','refunded')),
      currency         text NOT NULL,
      items_amount     bigint NOT NULL CHECK (items_amount >= 0),
      discount_amount  bigint NOT NULL CHECK (discount_amount >= 0),
      shipping_amount  bigint NOT NULL CHECK (shipping_amount >= 0),
      payable_amount   bigint NOT NULL CHECK (payable_amount >= 0),
      paid_amount      bigint NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
      refunded_amount  bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= paid_amount),
      address          jsonb NOT NULL,
      coupon_code      text,
      cart_id          uuid,
      payment_id       uuid,
      carrier          text,
      tracking_no      text,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      expires_at       timestamptz NOT NULL,
      paid_at          timestamptz,
      cancelled_at     timestamptz,
      shipped_at       timestamptz,
      completed_at     timestamptz
    )`);
    await sql(`CREATE INDEX orders_user_idx ON "order".orders (user_id, id DESC)`);
    await sql(`CREATE INDEX orders_status_idx ON "order".orders (status, id DESC)`);
    // The timeout canceller's scan: only unpaid orders, by expiry.
    await sql(`CREATE INDEX orders_pending_expiry_idx ON "order".orders (expires_at) WHERE status = 'pending_payment'`);

    await sql(`CREATE TABLE "order".order_items (
      id                uuid PRIMARY KEY,
      order_id          uuid NOT NULL REFERENCES "order".orders (id),
      line_no           integer NOT NULL,
      sku_id            uuid NOT NULL,
      product_id        uuid NOT NULL,
      product_name      text NOT NULL,
      image             text,
      spec              jsonb NOT NULL,
      unit_price        bigint NOT NULL CHECK (unit_price >= 0),
      quantity          integer NOT NULL CHECK (quantity > 0),
      subtotal          bigint NOT NULL CHECK (subtotal >= 0),
      discount          bigint NOT NULL CHECK (discount >= 0 AND discount <= subtotal),
      paid              bigint NOT NULL CHECK (paid >= 0),
      refunded_quantity integer NOT NULL DEFAULT 0 CHECK (refunded_quantity >= 0 AND refunded_quantity <= quantity),
      UNIQUE (order_id, sku_id)
    )`);

    // Kept forever (docs/architecture.md, Retention): every transition, who made it and why.
    await sql(`CREATE TABLE "order".order_log (
      id          uuid PRIMARY KEY,
      order_id    uuid NOT NULL REFERENCES "order".orders (id),
      from_status text,
      to_status   text NOT NULL,
      actor       text NOT NULL,
      reason      text,
      at          timestamptz NOT NULL DEFAULT clock_timestamp()
    )`);
    await sql(`CREATE INDEX order_log_order_idx ON "order".order_log (order_id, id)`);
  },
  async down({ sql }) {
    await sql(`DROP SCHEMA IF EXISTS "order" CASCADE`);
  },
};
