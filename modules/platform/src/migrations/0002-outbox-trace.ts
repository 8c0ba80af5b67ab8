import type { Migration } from '../db/migrator';

/**
 * The W3C trace context (`{traceparent, tracestate?}`) of the request that wrote an event, so the
 * relay's publish and every consumer continue its trace; null when tracing is off. Nullable without
 * a default: adding it rewrites nothing.
 */
export const m0002OutboxTrace: Migration = {
  name: '0002-outbox-trace',
  async up({ sql }) {
    await sql(`ALTER TABLE platform.outbox ADD COLUMN trace_context jsonb`);
  },
  async down({ sql }) {
    await sql(`ALTER TABLE platform.outbox DROP COLUMN IF EXISTS trace_context`);
  },
};
