import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '@zjmall/contracts';
import { platformMigrations } from '../migrations';
import { createTestEnv, type TestEnv } from '../testing';
import { newId } from '../ids';
import { DomainError } from '../errors';
import { createJetStreamBus } from './jetstream-bus';
import { consumerName } from './jetstream-setup';
import type { Bus } from './types';
import { sleep, waitFor } from './wait.fixture';

const event = (type: string, data: unknown = {}): EventEnvelope => ({
  id: newId(),
  type,
  occurredAt: new Date().toISOString(),
  aggregateId: 'agg',
  version: 1,
  data,
});

describe('JetStream bus', () => {
  let env: TestEnv;
  let nc2: NatsConnection;
  let bus1: Bus;
  let bus2: Bus;
  let jsm: JetStreamManager;
  const streamMessages = async () => (await jsm.streams.info(env.config.NATS_STREAM)).state.messages;
  const count = async (sql: string, bind: unknown[]) =>
    (await env.platform.db.query<{ n: number }>(sql, { bind, type: QueryTypes.SELECT }))[0]?.n ?? 0;

  beforeAll(async () => {
    env = await createTestEnv({ label: 'jsbus', modules: [platformMigrations], redis: false });
    bus1 = env.platform.bus;
    // A second process: its own connection and bus on the same stream.
    nc2 = await connect({ servers: env.config.NATS_URL });
    bus2 = await createJetStreamBus({
      nc: nc2,
      db: env.platform.db,
      log: env.log,
      prefix: env.config.NATS_SUBJECT_PREFIX,
      stream: env.config.NATS_STREAM,
    });
    jsm = await jetstreamManager(nc2);
  });
  afterAll(async () => {
    await bus2?.close();
    await nc2?.close();
    await env?.close();
  });

  it('creates the stream on the prefix with a duplicate window, and reports healthy', async () => {
    expect(bus1.mode).toBe('jetstream');
    const info = await jsm.streams.info(env.config.NATS_STREAM);
    expect(info.config.subjects).toEqual([`${env.config.NATS_SUBJECT_PREFIX}.>`]);
    expect(info.config.storage).toBe('file');
    expect(info.config.duplicate_window).toBeGreaterThan(0);
    expect(await bus1.healthy()).toBe(true);
  });

  it('fans a live event out to every connection once, and stores it once even if published twice', async () => {
    const got1: string[] = [];
    const got2: string[] = [];
    const off1 = bus1.onLive(['catalog.price_changed'], (e) => got1.push(e.id));
    const off2 = bus2.onLive(['*'], (e) => got2.push(e.id));
    await env.platform.nats!.flush();
    await nc2.flush();
    const before = await streamMessages();
    const e = event('catalog.price_changed', { changes: [] });
    await bus1.publish(e);
    await waitFor('both live listeners', () => got1.length === 1 && got2.length === 1);
    expect(got1).toEqual([e.id]);
    expect(got2).toEqual([e.id]);
    await bus1.publish(e); // a relay re-publish after a failover
    expect(await streamMessages()).toBe(before + 1);
    off1();
    off2();
  });

  it('broadcasts reach the other connection and are not stored in the stream', async () => {
    const got: unknown[] = [];
    const off = bus2.onBroadcast('cache.invalidate', (p) => got.push(p));
    await nc2.flush();
    const before = await streamMessages();
    await bus1.broadcast('cache.invalidate', { keys: ['sku:1', 'sku:2'] });
    await waitFor('broadcast on the other connection', () => got.length === 1);
    expect(got[0]).toEqual({ keys: ['sku:1', 'sku:2'] });
    expect(await streamMessages()).toBe(before);
    off();
    await expect(bus1.broadcast('bad topic', {})).rejects.toThrow(/invalid broadcast topic/);
  });

  it('feeds a durable handler from its consumer: a transient failure is nak-ed and redelivered, handled once', async () => {
    let failuresLeft = 1;
    const seen: string[] = [];
    const name = 'payment.refund-on-late-success';
    await bus1.addDurable({
      name,
      types: ['payment.succeeded', 'order.cancelled'],
      async handle(e, tx) {
        seen.push(e.id);
        await env.platform.db.query(`SELECT 1`, { transaction: tx });
        if (failuresLeft-- > 0) throw new Error('provider unavailable');
      },
    });
    const consumer = await jsm.consumers.info(env.config.NATS_STREAM, consumerName(name));
    expect(consumer.config.ack_policy).toBe('explicit');
    const e1 = event('payment.succeeded');
    const e2 = event('order.cancelled');
    const other = event('order.paid'); // not a type of this handler
    for (const e of [e1, e2, other]) await bus1.publish(e);
    await waitFor(
      'both events handled',
      async () =>
        (await count(`SELECT count(*)::int AS n FROM platform.handled_events WHERE consumer = $1`, [name])) === 2,
    );
    expect(seen.filter((id) => id === e1.id)).toHaveLength(2); // failed once, then handled
    expect(seen.filter((id) => id === e2.id)).toHaveLength(1);
    expect(seen).not.toContain(other.id);
    await bus1.publish({ ...e2 }); // same id again: JetStream drops it
    await sleep(200);
    expect(seen.filter((id) => id === e2.id)).toHaveLength(1);
  });

  it('terminates on a DomainError and records a dead letter; the consumer moves on', async () => {
    const seen: string[] = [];
    await bus2.addDurable({
      name: 'order-release-stock',
      types: ['order.refunded'],
      async handle(e) {
        seen.push(e.id);
        if ((e.data as { bad?: boolean }).bad) throw new DomainError('ILLEGAL_TRANSITION', 'nothing to release');
      },
    });
    const bad = event('order.refunded', { bad: true });
    const good = event('order.refunded', { bad: false });
    await bus1.publish(bad);
    await bus1.publish(good);
    await waitFor('good event handled', () => seen.includes(good.id));
    expect(
      await count(
        `SELECT count(*)::int AS n FROM platform.dead_letters WHERE event_id = $1 AND consumer = 'order-release-stock'`,
        [bad.id],
      ),
    ).toBe(1);
    await sleep(1_200); // a nak would have redelivered by now
    expect(seen.filter((id) => id === bad.id)).toHaveLength(1);
    const info = await jsm.consumers.info(env.config.NATS_STREAM, 'order-release-stock');
    expect(info.num_ack_pending).toBe(0);
  });

  it('publishes several events pipelined, in order; nothing after a failed one is stored, and the retry keeps the order', async () => {
    const stored = (ids: string[]) => Promise.all(ids.map((id) => seqOf(id)));
    /** The stream sequence of the event with this id (among the last 50), or null. */
    const seqOf = async (id: string): Promise<number | null> => {
      const info = await jsm.streams.info(env.config.NATS_STREAM);
      for (let seq = info.state.last_seq; seq >= Math.max(1, info.state.last_seq - 50); seq--) {
        const m = await jsm.streams.getMessage(env.config.NATS_STREAM, { seq }).catch(() => null);
        if (m && m.json<EventEnvelope>().id === id) return seq;
      }
      return null;
    };
    const [a, b, c] = [event('order.created'), event('order.paid'), event('order.shipped')];
    expect(await bus1.publishMany!([a, b, c])).toEqual({ published: 3 });
    const [sa, sb, sc] = await stored([a.id, b.id, c.id]);
    expect(sa! < sb! && sb! < sc!).toBe(true);

    // The second of three is refused (larger than the server's max_payload): the third must not be stored.
    const d = event('order.created');
    const huge = event('order.paid', { blob: 'x'.repeat(2 * 1024 * 1024) });
    const f = event('order.shipped');
    const before = await streamMessages();
    const r = await bus1.publishMany!([d, huge, f]);
    expect(r.published).toBe(1);
    expect(r.error).toBeDefined();
    expect(await streamMessages()).toBe(before + 1);
    expect(await seqOf(f.id)).toBeNull();

    // A retry from the failed one (fixed) on: the already-stored events are duplicates, the rest
    // follow in order — also when the retry starts before the last stored event (a lost ack).
    const fixed = { ...huge, data: { blob: 'small' } };
    expect(await bus1.publishMany!([d, fixed, f])).toEqual({ published: 3 });
    expect(await streamMessages()).toBe(before + 3);
    const [sd, sh, sf] = await stored([d.id, fixed.id, f.id]);
    expect(sd! < sh! && sh! < sf!).toBe(true);
    const g = event('order.completed');
    expect(await bus1.publishMany!([fixed, f, g])).toEqual({ published: 3 });
    expect(await streamMessages()).toBe(before + 4);
  });
});
