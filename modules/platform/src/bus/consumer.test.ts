import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '@zjmall/contracts';
import { platformMigrations } from '../migrations';
import { createTestEnv, type TestEnv } from '../testing';
import { newId } from '../ids';
import { DomainError } from '../errors';
import type { Db } from '../db/sequelize';
import { deliverDurable, runDurable } from './consumer';
import type { DurableHandler } from './types';
import { sleep } from './wait.fixture';

const event = (type = 'test.happened'): EventEnvelope => ({
  id: newId(),
  type,
  occurredAt: new Date().toISOString(),
  aggregateId: 'agg-1',
  version: 1,
  data: { n: 1 },
});

/** A handler whose side effect is a row written in the handler's transaction. */
function effectHandler(db: Db, name: string, opts: { delayMs?: number; fail?: () => Error | undefined } = {}) {
  const h = {
    calls: 0,
    name,
    types: ['test.happened'],
    async handle(e: EventEnvelope, tx: Parameters<DurableHandler['handle']>[1]) {
      h.calls++;
      await db.query(`INSERT INTO test_effects (consumer, event_id) VALUES ($1, $2)`, {
        bind: [name, e.id],
        transaction: tx,
      });
      if (opts.delayMs) await sleep(opts.delayMs);
      const err = opts.fail?.();
      if (err) throw err;
    },
  };
  return h;
}

describe('runDurable: a durable handler acts once per event', () => {
  let env: TestEnv;
  let db: Db;
  const effects = async (consumer: string, eventId: string) => {
    const rows = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM test_effects WHERE consumer = $1 AND event_id = $2`,
      {
        bind: [consumer, eventId],
        type: QueryTypes.SELECT,
      },
    );
    return rows[0]?.n ?? 0;
  };

  beforeAll(async () => {
    env = await createTestEnv({ label: 'consumer', modules: [platformMigrations], redis: false, nats: false });
    db = env.platform.db;
    await db.query(`CREATE TABLE test_effects (consumer text NOT NULL, event_id uuid NOT NULL)`);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('runs the handler for the first delivery and skips a redelivery', async () => {
    const h = effectHandler(db, 'twice');
    const e = event();
    expect(await runDurable(db, h, e)).toBe('handled');
    expect(await runDurable(db, h, e)).toBe('duplicate');
    expect(h.calls).toBe(1);
    expect(await effects('twice', e.id)).toBe(1);
  });

  it('lets only one of two concurrent deliveries run; the other waits and sees a duplicate', async () => {
    const h = effectHandler(db, 'concurrent', { delayMs: 150 });
    const e = event();
    const outcomes = await Promise.all([runDurable(db, h, e), runDurable(db, h, e), runDurable(db, h, e)]);
    expect(outcomes.sort()).toEqual(['duplicate', 'duplicate', 'handled']);
    expect(h.calls).toBe(1);
    expect(await effects('concurrent', e.id)).toBe(1);
  });

  it('rolls the claim back with a failing handler, so the next delivery runs it again', async () => {
    let failures = 1;
    const h = effectHandler(db, 'flaky', { fail: () => (failures-- > 0 ? new Error('database hiccup') : undefined) });
    const e = event();
    const first = await deliverDurable(db, env.log, h, e, { lastAttempt: false });
    expect(first.outcome).toBe('retry');
    expect(await effects('flaky', e.id)).toBe(0);
    expect((await deliverDurable(db, env.log, h, e, { lastAttempt: false })).outcome).toBe('handled');
    expect((await deliverDurable(db, env.log, h, e, { lastAttempt: false })).outcome).toBe('duplicate');
    expect(h.calls).toBe(2);
    expect(await effects('flaky', e.id)).toBe(1);
  });

  it('dead-letters a DomainError at once, and a transient error on the last attempt, each once', async () => {
    const permanent = effectHandler(db, 'permanent', {
      fail: () => new DomainError('ORDER_NOT_FOUND', 'no such order'),
    });
    const transient = effectHandler(db, 'exhausted', { fail: () => new Error('still down') });
    const e = event();
    expect((await deliverDurable(db, env.log, permanent, e, { lastAttempt: false })).outcome).toBe('dead');
    expect((await deliverDurable(db, env.log, transient, e, { lastAttempt: true })).outcome).toBe('dead');
    // A redelivery of a dead-lettered event neither runs the handler nor adds a second letter.
    expect((await deliverDurable(db, env.log, permanent, e, { lastAttempt: false })).outcome).toBe('duplicate');
    expect(permanent.calls).toBe(1);
    const letters = await db.query<{ consumer: string; error: string; event: EventEnvelope }>(
      `SELECT consumer, error, event FROM platform.dead_letters WHERE event_id = $1 ORDER BY consumer`,
      { bind: [e.id], type: QueryTypes.SELECT },
    );
    expect(letters.map((l) => l.consumer)).toEqual(['exhausted', 'permanent']);
    expect(letters[1]?.error).toContain('ORDER_NOT_FOUND');
    expect(letters[1]?.event).toEqual(e);
    expect(await effects('permanent', e.id)).toBe(0); // the handler's own writes were rolled back
  });
});
