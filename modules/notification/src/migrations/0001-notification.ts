import type { Migration } from '@zjmall/platform';

export const m0001Notification: Migration = {
  name: '0001-notification',
  async up({ sql }) {
    await sql(`CREATE SCHEMA IF NOT EXISTS notification`);
    // One row per inbox entry: a customer's (user_id) or a staff alert (audience 'staff', every admin's).
    // Texts are not stored: they are rendered from type + data when read, in the reader's locale.
    await sql(`CREATE TABLE notification.notifications (
      id         uuid PRIMARY KEY,
      audience   text NOT NULL CHECK (audience IN ('user','staff')),
      user_id    uuid,
      type       text NOT NULL,
      data       jsonb NOT NULL,
      event_id   uuid,
      dedupe_key text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      read_at    timestamptz,
      CHECK ((audience = 'user') = (user_id IS NOT NULL))
    )`);
    await sql(
      `CREATE INDEX notifications_user_idx ON notification.notifications (user_id, id DESC) WHERE user_id IS NOT NULL`,
    );
    await sql(
      `CREATE INDEX notifications_user_unread_idx ON notification.notifications (user_id) WHERE user_id IS NOT NULL AND read_at IS NULL`,
    );
    await sql(`CREATE INDEX notifications_staff_idx ON notification.notifications (id DESC) WHERE audience = 'staff'`);
    await sql(`CREATE INDEX notifications_created_idx ON notification.notifications (created_at)`);
    // Which admin has read which staff alert.
    await sql(`CREATE TABLE notification.staff_reads (
      notification_id uuid NOT NULL REFERENCES notification.notifications (id) ON DELETE CASCADE,
      user_id         uuid NOT NULL,
      read_at         timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, notification_id)
    )`);
    // Price drops told to a customer, at most once per SKU per user per day (in STORE_TIMEZONE).
    await sql(`CREATE TABLE notification.price_drop_sent (
      user_id uuid NOT NULL,
      sku_id  uuid NOT NULL,
      day     date NOT NULL,
      PRIMARY KEY (user_id, sku_id, day)
    )`);
    // Sweepers' progress: unpaid orders already announced as expiring, the last dead letter alerted.
    await sql(`CREATE TABLE notification.expiry_alerted (
      order_id   uuid PRIMARY KEY,
      alerted_at timestamptz NOT NULL DEFAULT now()
    )`);
    await sql(`CREATE TABLE notification.watermarks (
      name  text PRIMARY KEY,
      value bigint NOT NULL
    )`);

    await sql(`CREATE TABLE notification.webhooks (
      id         uuid PRIMARY KEY,
      url        text NOT NULL,
      events     text[] NOT NULL,
      secret     text NOT NULL,
      active     boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // One row per (webhook, event); seq is the event's order for that webhook (stream order).
    await sql(`CREATE TABLE notification.webhook_deliveries (
      id           uuid PRIMARY KEY,
      seq          bigserial NOT NULL,
      webhook_id   uuid NOT NULL REFERENCES notification.webhooks (id) ON DELETE CASCADE,
      event_id     uuid NOT NULL,
      event_type   text NOT NULL,
      body         text NOT NULL,
      status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','succeeded','dead')),
      attempts     integer NOT NULL DEFAULT 0,
      next_at      timestamptz NOT NULL DEFAULT now(),
      last_status  integer,
      last_error   text,
      created_at   timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz,
      UNIQUE (webhook_id, event_id)
    )`);
    await sql(
      `CREATE INDEX webhook_deliveries_pending_idx ON notification.webhook_deliveries (webhook_id, seq) WHERE status = 'pending'`,
    );
    await sql(`CREATE INDEX webhook_deliveries_log_idx ON notification.webhook_deliveries (webhook_id, seq DESC)`);
    await sql(`CREATE INDEX webhook_deliveries_created_idx ON notification.webhook_deliveries (created_at)`);
  },
  async down({ sql }) {
    await sql(`DROP SCHEMA IF EXISTS notification CASCADE`);
  },
};
