import type { Migration } from '@zjmall/platform';

/** The retry window of a delivery runs from its first attempt (it may wait behind earlier ones before that). */
export const m0002WebhookFirstAttempt: Migration = {
  name: '0002-webhook-first-attempt',
  async up({ sql }) {
    await sql(`ALTER TABLE notification.webhook_deliveries ADD COLUMN first_attempt_at timestamptz`);
  },
  async down({ sql }) {
    await sql(`ALTER TABLE notification.webhook_deliveries DROP COLUMN first_attempt_at`);
  },
};
