import type { Migration } from '@zjmall/platform';

export const m0003LoginThrottle: Migration = {
  name: '0003-login-throttle',
  async up({ sql }) {
    // One row per login email (known or not) with attempts in the current window; a successful
    // login deletes it. Kept in PostgreSQL so every BFF process sees the same count.
    await sql(`CREATE TABLE identity.login_throttle (
      email             text PRIMARY KEY,
      attempts          integer NOT NULL CHECK (attempts >= 0),
      window_started_at timestamptz NOT NULL DEFAULT now()
    )`);
    await sql(`CREATE INDEX login_throttle_window_idx ON identity.login_throttle (window_started_at)`);
  },
  async down({ sql }) {
    await sql(`DROP TABLE identity.login_throttle`);
  },
};
