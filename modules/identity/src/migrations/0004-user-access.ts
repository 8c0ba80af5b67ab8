import type { Migration } from '@zjmall/platform';

/**
 * Revocation: `token_version` is carried by every user token (claim `ver`) and must match the row
 * (signing out everywhere and disabling bump it); `disabled_at` marks an account an admin disabled.
 */
export const m0004UserAccess: Migration = {
  name: '0004-user-access',
  async up({ sql }) {
    await sql(`ALTER TABLE identity.users
      ADD COLUMN token_version integer NOT NULL DEFAULT 0 CHECK (token_version >= 0),
      ADD COLUMN disabled_at timestamptz`);
  },
  async down({ sql }) {
    await sql(`ALTER TABLE identity.users DROP COLUMN disabled_at, DROP COLUMN token_version`);
  },
};
