import type { Migration } from '@zjmall/platform';

export const m0001Inventory: Migration = {
  name: '0001-inventory',
  async up({ sql }) {
    await sql(`CREATE SCHEMA IF NOT EXISTS inventory`);
    // One row per SKU (one stock location). The CHECK is the last line against overselling; the
    // conditional UPDATE in the reservation path is the fence in front of it. No index touches
    // on_hand/reserved, and pages keep free space (fillfactor), so a hot SKU's updates stay HOT
    // (heap-only) instead of adding an index entry per reservation.
    await sql(`CREATE TABLE inventory.stock (
      sku_id              uuid PRIMARY KEY,
      on_hand             bigint NOT NULL DEFAULT 0,
      reserved            bigint NOT NULL DEFAULT 0,
      low_stock_threshold integer NOT NULL DEFAULT 10 CHECK (low_stock_threshold >= 0),
      created_at          timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT stock_counts_check CHECK (on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand)
    ) WITH (fillfactor = 70)`);

    await sql(`CREATE TABLE inventory.reservations (
      id         uuid PRIMARY KEY,
      owner_type text NOT NULL CHECK (owner_type IN ('cart', 'order')),
      owner_id   uuid NOT NULL,
      -- No foreign key to stock: a reservation is only written while its stock row is locked, and a
      -- per-row RI check would cost a hot SKU's batch one lookup per reservation.
      sku_id     uuid NOT NULL,
      quantity   integer NOT NULL CHECK (quantity > 0),
      status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'released', 'consumed')),
      -- Cart holds expire (the sweeper releases them); order reservations live until the order
      -- is paid or cancelled (docs/architecture.md, Consistency).
      expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT reservations_order_no_expiry CHECK (owner_type = 'cart' OR expires_at IS NULL)
    )`);
    // One active reservation per owner and SKU: reserving again sets its quantity.
    await sql(`CREATE UNIQUE INDEX reservations_active_owner_sku_key
      ON inventory.reservations (owner_type, owner_id, sku_id) WHERE status = 'active'`);
    await sql(`CREATE INDEX reservations_expiry_idx
      ON inventory.reservations (expires_at) WHERE status = 'active' AND expires_at IS NOT NULL`);

    await sql(`CREATE TABLE inventory.ledger (
      id              uuid PRIMARY KEY,
      sku_id          uuid NOT NULL,
      type            text NOT NULL CHECK (type IN ('IN', 'OUT', 'RESERVE', 'RELEASE', 'ADJUST')),
      quantity        bigint NOT NULL CHECK (quantity >= 0),
      on_hand_before  bigint NOT NULL,
      on_hand_after   bigint NOT NULL,
      reserved_before bigint NOT NULL,
      reserved_after  bigint NOT NULL,
      operator        text NOT NULL,
      reason          text,
      ref_type        text NOT NULL CHECK (ref_type IN ('ORDER', 'CART', 'MANUAL', 'IMPORT')),
      ref_id          text,
      created_at      timestamptz NOT NULL DEFAULT now()
    )`);
    // A SKU's history, newest first (ids are UUIDv7: time-ordered).
    await sql(`CREATE INDEX ledger_sku_idx ON inventory.ledger (sku_id, id)`);
  },
  async down({ sql }) {
    await sql(`DROP TABLE IF EXISTS inventory.ledger`);
    await sql(`DROP TABLE IF EXISTS inventory.reservations`);
    await sql(`DROP TABLE IF EXISTS inventory.stock`);
    await sql(`DROP SCHEMA IF EXISTS inventory`);
  },
};
