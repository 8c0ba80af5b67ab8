import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformMigrations } from '../migrations';
import { createTestEnv, type TestEnv } from '../testing';
import { newId } from '../ids';
import { purgeRetention } from './retention';

describe('purgeRetention', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv({ label: 'retention', modules: [platformMigrations], redis: false, nats: false });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('removes published outbox rows, handled ids and idempotency keys older than 7 days, nothing else', async () => {
    const { db } = env.platform;
    const q = (sql: string, bind: unknown[] = []) => db.query(sql, { bind });
    const outboxRow = (label: string, publishedAgo: string | null, occurredAgo: string) =>
      q(
        `INSERT INTO platform.outbox (id, type, aggregate_id, data, occurred_at, published_at)
         VALUES ($1, 'test.kept', $2, '{}', now() - $3::interval, now() - $4::interval)`,
        [newId(), label, occurredAgo, publishedAgo],
      );
    await outboxRow('old-published', '8 days', '8 days');
    await outboxRow('recent-published', '6 days', '8 days');
    await outboxRow('old-unpublished', null, '30 days');
    for (const [consumer, ago] of [
      ['old', '7 days 1 hour'],
      ['recent', '1 day'],
    ]) {
      await q(
        `INSERT INTO platform.handled_events (consumer, event_id, handled_at) VALUES ($1, $2, now() - $3::interval)`,
        [consumer, newId(), ago],
      );
      await q(
        `INSERT INTO platform.idempotency_keys (scope, key, request_hash, created_at) VALUES ('user:1/order.create', $1, 'h', now() - $2::interval)`,
        [consumer, ago],
      );
    }

    expect(await purgeRetention(db)).toEqual({ outbox: 1, handledEvents: 1, idempotencyKeys: 1 });

    const left = async (sql: string) =>
      (await db.query<{ v: string }>(sql, { type: QueryTypes.SELECT })).map((r) => r.v).sort();
    expect(await left(`SELECT aggregate_id AS v FROM platform.outbox`)).toEqual([
      'old-unpublished',
      'recent-published',
    ]);
    expect(await left(`SELECT consumer AS v FROM platform.handled_events`)).toEqual(['recent']);
    expect(await left(`SELECT key AS v FROM platform.idempotency_keys`)).toEqual(['recent']);
    expect(await purgeRetention(db)).toEqual({ outbox: 0, handledEvents: 0, idempotencyKeys: 0 });
  });
});
