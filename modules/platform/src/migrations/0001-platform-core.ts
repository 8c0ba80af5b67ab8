import type { Migration } from '../db/migrator';

export const m0001PlatformCore: Migration = {
  name: '0001-platform-core',
  async up({ sql }) {
    await sql(`CREATE SCHEMA IF NOT EXISTS platform`);
    // Transactional outbox: written in the use case's transaction, published in seq order by the relay.
    await sql(`CREATE TABLE platform.outbox (
      seq          bigserial PRIMARY KEY,
      id           uuid NOT NULL UNIQUE,
      type         text NOT NULL,
      aggregate_id text NOT NULL,
      version      integer NOT NULL DEFAULT 1 CHECK (version > 0),
      data         jsonb NOT NULL,
      occurred_at  timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      attempts     integer NOT NULL DEFAULT 0,
      last_error   text
    )`);
    await sql(`CREATE INDEX outbox_pending_idx ON platform.outbox (seq) WHERE published_at IS NULL`);
    await sql(`CREATE INDEX outbox_published_idx ON platform.outbox (published_at) WHERE published_at IS NOT NULL`);
    // Ids of events a durable consumer has handled, recorded in the handler's transaction.
    await sql(`CREATE TABLE platform.handled_events (
      consumer   text NOT NULL,
      event_id   uuid NOT NULL,
      handled_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`);
    await sql(`CREATE INDEX handled_events_at_idx ON platform.handled_events (handled_at)`);
    // Events a consumer gave up on (a DomainError, or too many attempts): kept for an operator.
    await sql(`CREATE TABLE platform.dead_letters (
      id         bigserial PRIMARY KEY,
      consumer   text NOT NULL,
      event_id   uuid NOT NULL,
      event      jsonb NOT NULL,
      error      text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    // Idempotency keys of mutations (scope = caller + procedure); the first answer is replayed.
    await sql(`CREATE TABLE platform.idempotency_keys (
      scope        text NOT NULL,
      key          text NOT NULL,
      request_hash text NOT NULL,
      response     jsonb,
      created_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, key)
    )`);
    await sql(`CREATE INDEX idempotency_keys_created_idx ON platform.idempotency_keys (created_at)`);
  },
  async down({ sql }) {
    await sql(`DROP TABLE IF EXISTS platform.idempotency_keys`);
    await sql(`DROP TABLE IF EXISTS platform.dead_letters`);
    await sql(`DROP TABLE IF EXISTS platform.handled_events`);
    await sql(`DROP TABLE IF EXISTS platform.outbox`);
  },
};
