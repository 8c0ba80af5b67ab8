import type { Migration } from '@zjmall/platform';

export const m0001Cart: Migration = {
  name: '0001-cart',
  async up({ sql }) {
    await sql(`CREATE SCHEMA cart`);
    // owner_id is a user id or a guest id (both UUIDs made by identity; no FK across schemas).
    // holds_until: when the cart's stock holds lapse (database clock), shown as availability only.
    await sql(`CREATE TABLE cart.carts (
      id          uuid PRIMARY KEY,
      owner_type  text NOT NULL CHECK (owner_type IN ('user', 'guest')),
      owner_id    uuid NOT NULL,
      status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'abandoned', 'merged')),
      merged_into uuid,
      holds_until timestamptz,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now()
    )`);
    // One active cart per owner.
    await sql(`CREATE UNIQUE INDEX carts_one_active_key ON cart.carts (owner_type, owner_id) WHERE status = 'active'`);
    await sql(`CREATE INDEX carts_updated_idx ON cart.carts (updated_at)`);
    await sql(`CREATE TABLE cart.cart_items (
      id                uuid PRIMARY KEY,
      cart_id           uuid NOT NULL REFERENCES cart.carts (id) ON DELETE CASCADE,
      sku_id            uuid NOT NULL,
      quantity          integer NOT NULL CHECK (quantity > 0),
      added_price       bigint NOT NULL CHECK (added_price >= 0),
      selected          boolean NOT NULL DEFAULT true,
      added_at          timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now(),
      unavailable_since timestamptz,
      UNIQUE (cart_id, sku_id)
    )`);
    await sql(`CREATE INDEX cart_items_sku_idx ON cart.cart_items (sku_id)`);
  },
  async down({ sql }) {
    await sql(`DROP TABLE cart.cart_items`);
    await sql(`DROP TABLE cart.carts`);
    await sql(`DROP SCHEMA cart`);
  },
};
