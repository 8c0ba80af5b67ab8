import type { Migration } from '@zjmall/platform';

export const m0002Addresses: Migration = {
  name: '0002-addresses',
  async up({ sql }) {
    // Same schema, so a real foreign key is allowed (docs/architecture.md forbids them only across schemas).
    await sql(`CREATE TABLE identity.addresses (
      id         uuid PRIMARY KEY,
      user_id    uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
      receiver   text NOT NULL,
      phone      text NOT NULL,
      province   text NOT NULL,
      city       text NOT NULL,
      district   text NOT NULL,
      detail     text NOT NULL,
      is_default boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await sql(`CREATE INDEX addresses_user_idx ON identity.addresses (user_id, created_at)`);
    // At most one default per user, whatever the application does.
    await sql(`CREATE UNIQUE INDEX addresses_one_default_key ON identity.addresses (user_id) WHERE is_default`);
  },
  async down({ sql }) {
    await sql(`DROP TABLE identity.addresses`);
  },
};
