import type { Migration } from '@zjmall/platform';

export const m0001Users: Migration = {
  name: '0001-users',
  async up({ sql }) {
    await sql(`CREATE SCHEMA identity`);
    await sql(`CREATE TABLE identity.users (
      id            uuid PRIMARY KEY,
      email         text NOT NULL CHECK (email = btrim(email) AND length(email) BETWEEN 3 AND 254),
      password_hash text NOT NULL,
      name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      role          text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin')),
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now()
    )`);
    // Case-insensitive uniqueness; lookups use lower(email) = lower($1) and ON CONFLICT names it.
    await sql(`CREATE UNIQUE INDEX users_email_lower_key ON identity.users (lower(email))`);
  },
  async down({ sql }) {
    await sql(`DROP TABLE identity.users`);
    await sql(`DROP SCHEMA identity`);
  },
};
