import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '@zjmall/contracts';
import { platformMigrations } from '../migrations';
import { createTestEnv, type TestEnv } from '../testing';
import { DomainError } from '../errors';
import type { Db } from '../db/sequelize';
import { createInProcessBus } from './in-process-bus';
import type { Bus, DurableHandler } from './types';
import { waitFor } from './wait.fixture';

type Tx = Parameters<DurableHandler['handle']>[1];

describe('in-process bus (no NATS): the relay feeds durable and live handlers', () => {
  let env: TestEnv;
  let db: Db;
  let bus: Bus;
  const calls: Record<string, number> = {};
  let flakyFailures = 0;
  const live: EventEnvelope[] = [];

  const count = async (sql: string, bind: unknown[]) =>
    (await db.query<{ n: number }>(sql, { bind, type: QueryTypes.SELECT }))[0]?.n ?? 0;
  const handler = (name: string, act: (e: EventEnvelope, tx: Tx) => Promise<void>): DurableHandler => ({
    name,
    types: ['order.cancelled'],
    async handle(e, tx) {
      calls[name] = (calls[name] ?? 0) + 1;
      await db.query(`INSERT INTO test_effects (consumer, event_id) VALUES ($1, $2)`, {
        bind: [name, e.id],
        transaction: tx,
      });
      await act(e, tx);
    },
  });
  const write = (data: unknown) =>
    db.transaction((tx) => env.platform.outbox.add(tx, { type: 'order.cancelled', aggregateId: 'order-1', data }));

  beforeAll(async () => {
    env = await createTestEnv({ label: 'inproc', modules: [platformMigrations], redis: false, nats: false });
    db = env.platform.db;
    bus = env.platform.bus;
    await db.query(`CREATE TABLE test_effects (consumer text NOT NULL, event_id uuid NOT NULL)`);
    await bus.addDurable(handler('steady', async () => {}));
    await bus.addDurable(
      handler('flaky', async () => {
        if (flakyFailures > 0) {
          flakyFailures--;
          throw new Error('payment provider timed out');
        }
      }),
    );
    await bus.addDurable(
      handler('refuses', async (e) => {
        if ((e.data as { refuse?: boolean }).refuse)
          throw new DomainError('ILLEGAL_TRANSITION', 'order already shipped');
      }),
    );
    bus.onLive(['order.cancelled'], (e) => live.push(e));
  });
  afterAll(async () => {
    await env?.close();
  });

  it('retries a failing handler later without re-running the ones that succeeded; a DomainError is dead-lettered', async () => {
    expect(bus.mode).toBe('in-process');
    flakyFailures = 1;
    const [id] = await write({ refuse: true });
    const before = { ...calls };

    expect(await env.platform.relay.drain()).toBe(0); // flaky failed: the event stays pending
    const row = (
      await db.query<{ attempts: number; last_error: string; published_at: Date | null }>(
        `SELECT attempts, last_error, published_at FROM platform.outbox WHERE id = $1`,
        { bind: [id], type: QueryTypes.SELECT },
      )
    )[0];
    expect(row).toMatchObject({ attempts: 1, published_at: null });
    expect(row?.last_error).toContain('payment provider timed out');
    expect(live).toHaveLength(0); // live listeners wait until every durable reaction is done

    expect(await env.platform.relay.drain()).toBe(1);
    expect(calls.steady! - (before.steady ?? 0)).toBe(1);
    expect(calls.flaky! - (before.flaky ?? 0)).toBe(2);
    expect(calls.refuses! - (before.refuses ?? 0)).toBe(1);
    const effects = await db.query<{ consumer: string }>(
      `SELECT consumer FROM test_effects WHERE event_id = $1 ORDER BY consumer`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    expect(effects.map((r) => r.consumer)).toEqual(['flaky', 'steady']); // refuses rolled back
    expect(
      await count(`SELECT count(*)::int AS n FROM platform.dead_letters WHERE event_id = $1 AND consumer = 'refuses'`, [
        id,
      ]),
    ).toBe(1);
    expect(live.map((e) => e.id)).toEqual([id]);
    expect(await count(`SELECT count(*)::int AS n FROM platform.outbox WHERE published_at IS NULL`, [])).toBe(0);
  });

  it('a started relay delivers committed events promptly, in order', async () => {
    live.length = 0;
    env.platform.relay.start();
    try {
      await waitFor('leadership', () => env.platform.relay.isLeader);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(...(await write({ i })));
      await waitFor('live delivery', () => live.length === 5, 5_000);
      expect(live.map((e) => e.id)).toEqual(ids);
      expect(live.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
      expect(
        await count(
          `SELECT count(*)::int AS n FROM test_effects WHERE consumer = 'steady' AND event_id = ANY($1::uuid[])`,
          [ids],
        ),
      ).toBe(5);
    } finally {
      await env.platform.relay.stop();
    }
    expect(env.platform.relay.isLeader).toBe(false);
  });

  it('dead-letters an event whose handler keeps failing after maxDeliver attempts', async () => {
    const own = createInProcessBus({ db, log: env.log, maxDeliver: 3 });
    let tries = 0;
    await own.addDurable({
      name: 'hopeless',
      types: ['*'],
      handle: async () => {
        tries++;
        throw new Error('never works');
      },
    });
    const e: EventEnvelope = {
      id: '0190a5e0-0000-7000-8000-000000000001',
      type: 'x.y',
      occurredAt: new Date().toISOString(),
      aggregateId: 'a',
      version: 1,
      data: null,
    };
    await expect(own.publish(e)).rejects.toThrow(/1 durable handler/);
    await expect(own.publish(e)).rejects.toThrow();
    await own.publish(e); // third failure: given up, dead-lettered, the relay may move on
    await own.publish(e); // a redelivery after that is a duplicate
    expect(tries).toBe(3);
    expect(await count(`SELECT count(*)::int AS n FROM platform.dead_letters WHERE consumer = 'hopeless'`, [])).toBe(1);
    await own.close();
  });

  it('delivers broadcasts to this process, as a JSON copy', async () => {
    const got: unknown[] = [];
    const off = bus.onBroadcast('cache.invalidate', (p) => got.push(p));
    const payload = { keys: ['sku:1'] };
    await bus.broadcast('cache.invalidate', payload);
    await waitFor('broadcast', () => got.length === 1);
    expect(got[0]).toEqual(payload);
    expect(got[0]).not.toBe(payload);
    off();
    await bus.broadcast('cache.invalidate', payload);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
  });
});
