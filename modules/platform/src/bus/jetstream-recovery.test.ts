import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformMigrations } from '../migrations';
import { createTestEnv, startPrivateNatsServer, type PrivateNatsServer, type TestEnv } from '../testing';
import { createRelay } from '../outbox/relay';
import { waitFor } from './wait.fixture';

/**
 * NATS going away must not lose a reaction: a durable consumer added while NATS is unreachable is
 * registered once it is back, the relay publishes what piled up in the outbox meanwhile, and the
 * reaction runs once. Its own nats-server (never the machine's shared one), stopped and restarted
 * on the same port and store.
 */
describe('JetStream bus while NATS is away', () => {
  let nats: PrivateNatsServer;
  let env: TestEnv;

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    env = await createTestEnv({
      label: 'jsrecover',
      modules: [platformMigrations],
      redis: false,
      env: { NATS_URL: nats.url },
    });
  }, 60_000);
  afterAll(async () => {
    await nats?.start().catch(() => {}); // so that env.close() can delete the stream
    await env?.close();
    await nats?.dispose();
  });

  it('registers a durable consumer added while NATS is down once it is back; /ready says degraded meanwhile; the relay drains the outbox; the reaction runs once', async () => {
    const { platform } = env;
    const { bus, db, outbox, relay } = platform;
    expect(await platform.ready()).toEqual({
      ok: true,
      checks: { database: true, nats: true },
      degraded: [],
      pendingConsumers: [],
    });

    await nats.stop();
    const handled: string[] = [];
    // Resolves although NATS is unreachable: the registration is retried in the background.
    await bus.addDurable({
      name: 'recovery-reaction',
      types: ['order.cancelled'],
      handle: async (e) => {
        handled.push(e.id);
      },
    });
    expect(bus.pendingDurables()).toEqual(['recovery-reaction']);
    // PostgreSQL is up, so the shop still serves: 200 with NATS listed as degraded.
    expect(await platform.ready()).toEqual({
      ok: true,
      checks: { database: true, nats: false },
      degraded: ['nats'],
      pendingConsumers: ['recovery-reaction'],
    });

    // An event committed while NATS is away waits in the outbox; the relay keeps retrying.
    relay.start();
    const [eventId] = await db.transaction((tx) =>
      outbox.add(tx, { type: 'order.cancelled', aggregateId: 'o-away', data: { reason: 'timeout' } }),
    );
    const unpublished = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM platform.outbox WHERE id = $1 AND published_at IS NULL`,
          { bind: [eventId], type: QueryTypes.SELECT },
        )
      )[0].n;
    expect(await unpublished()).toBe(1);

    await nats.start();
    await waitFor('the reaction to the event committed while NATS was away', () => handled.includes(eventId), 90_000);
    await waitFor('the outbox row marked published', async () => (await unpublished()) === 0, 30_000);
    expect(bus.pendingDurables()).toEqual([]);
    expect(await platform.ready()).toEqual({
      ok: true,
      checks: { database: true, nats: true },
      degraded: [],
      pendingConsumers: [],
    });

    // Once in the stream, handled once.
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info(env.config.NATS_STREAM)).state.messages).toBe(1);
    } finally {
      await nc.close();
    }
    const rows = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM platform.handled_events WHERE consumer = $1 AND event_id = $2`,
      { bind: ['recovery-reaction', eventId], type: QueryTypes.SELECT },
    );
    expect(rows[0].n).toBe(1);
    expect(handled).toEqual([eventId]);
    await relay.stop();
  }, 150_000);

  it('the relay publishes the backlog as soon as NATS is back, not after the backoff it reached meanwhile', async () => {
    const { bus, db, outbox, log } = env.platform;
    // A backoff far longer than the test's deadline: only the reconnection can end the wait.
    const relay = createRelay({
      db,
      dbUrl: env.config.DATABASE_URL,
      bus,
      log,
      backoff: { minMs: 600_000, maxMs: 600_000 },
    });
    await nats.stop();
    relay.start();
    try {
      const [eventId] = await db.transaction((tx) =>
        outbox.add(tx, { type: 'order.cancelled', aggregateId: 'o-backoff', data: { reason: 'timeout' } }),
      );
      const row = async () =>
        (
          await db.query<{ attempts: number; published: boolean }>(
            `SELECT attempts, published_at IS NOT NULL AS published FROM platform.outbox WHERE id = $1`,
            { bind: [eventId], type: QueryTypes.SELECT },
          )
        )[0];
      // The relay tried, failed and is now in its 10-minute backoff.
      await waitFor('a failed publish', async () => (await row()).attempts > 0, 30_000);
      await nats.start();
      await waitFor('the event published after the reconnection', async () => (await row()).published, 60_000);
    } finally {
      await relay.stop();
    }
  }, 120_000);

  it('a durable consumer registered before NATS went away resumes after the restart: the event committed meanwhile is handled once', async () => {
    const { bus, db, outbox, relay } = env.platform;
    const handled: string[] = [];
    await bus.addDurable({
      name: 'registered-before',
      types: ['order.paid'],
      handle: async (e) => {
        handled.push(e.id);
      },
    });
    expect(bus.pendingDurables()).toEqual([]);
    relay.start();
    const [before] = await db.transaction((tx) =>
      outbox.add(tx, { type: 'order.paid', aggregateId: 'o-before', data: { n: 1 } }),
    );
    await waitFor('the reaction before the outage', () => handled.includes(before), 30_000);

    await nats.stop();
    const [during] = await db.transaction((tx) =>
      outbox.add(tx, { type: 'order.paid', aggregateId: 'o-during', data: { n: 2 } }),
    );
    await nats.start();
    await waitFor('the reaction to the event committed while NATS was away', () => handled.includes(during), 90_000);
    expect(handled).toEqual([before, during]);
    await relay.stop();
  }, 150_000);

  it('drops the in-memory cache after reconnecting: invalidations broadcast meanwhile never arrived', async () => {
    const { cache, bus } = env.platform;
    expect(cache.mode).toBe('memory'); // no Redis here: the in-process store, kept fresh by broadcasts alone
    await cache.set('product:away', { price: 100 }, 3_600);
    expect(await cache.get('product:away')).toEqual({ price: 100 });
    let reconnected = 0;
    const off = bus.onReconnect(() => reconnected++);
    await nats.stop();
    // Still served while away (nothing says it changed yet).
    expect(await cache.get('product:away')).toEqual({ price: 100 });
    await nats.start();
    await waitFor('the client to reconnect', () => reconnected === 1, 60_000);
    off();
    expect(await cache.get('product:away')).toBeUndefined();
  }, 90_000);
});
