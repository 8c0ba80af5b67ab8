import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelope } from '@zjmall/contracts';
import { platformMigrations } from '../migrations';
import { createTestEnv, type TestEnv } from '../testing';
import { createDb, type Db } from '../db/sequelize';
import { createJetStreamBus } from '../bus/jetstream-bus';
import type { Bus } from '../bus/types';
import { sleep, waitFor } from '../bus/wait.fixture';
import { createRelay, RELAY_LOCK_KEY } from './relay';
import { newId } from '../ids';
import type { Relay } from './types';

interface Node {
  db: Db;
  nc: NatsConnection;
  bus: Bus;
  relay: Relay;
}

/** The relay's lease in this test's database (other test files run relays in theirs). */
const relayLock = `locktype = 'advisory' AND granted AND objid = ${RELAY_LOCK_KEY % 2 ** 32}
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
const count = async (db: Db, sql: string) =>
  (await db.query<{ n: number }>(sql, { type: QueryTypes.SELECT }))[0]?.n ?? 0;

/** Every event of the stream, in stream order, through a plain durable consumer of the test's own. */
async function observe(nc: NatsConnection, stream: string) {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(stream, {
    durable_name: 'observer',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
  });
  const messages: ConsumerMessages = await jetstream(nc)
    .consumers.get(stream, 'observer')
    .then((c) => c.consume({ max_messages: 100 }));
  const seen: EventEnvelope[] = [];
  void (async () => {
    for await (const m of messages) {
      seen.push(EventEnvelope.parse(m.json()));
      m.ack();
    }
  })();
  return { seen, stop: () => messages.close() };
}

describe('outbox relay with JetStream: two relays on one outbox', () => {
  let env: TestEnv;
  const nodes: Node[] = [];
  let observer: Awaited<ReturnType<typeof observe>>;
  let leaders = 0;
  let maxLeaders = 0;
  let watching = true;

  const newNode = async (): Promise<Node> => {
    const db = createDb({ url: env.config.DATABASE_URL, poolMax: 4 });
    const nc = await connect({ servers: env.config.NATS_URL });
    const bus = await createJetStreamBus({
      nc,
      db,
      log: env.log,
      prefix: env.config.NATS_SUBJECT_PREFIX,
      stream: env.config.NATS_STREAM,
    });
    const relay = createRelay({
      db,
      dbUrl: env.config.DATABASE_URL,
      bus,
      log: env.log,
      pollMs: 100,
      lockRetryMs: 50,
      batchSize: 25,
    });
    const node = { db, nc, bus, relay };
    nodes.push(node);
    return node;
  };

  /** Writes `txs` transactions of `per` events, `parallel` at a time, each holding its transaction open a random while. */
  const writeEvents = async (db: Db, from: number, txs: number, per: number, parallel: number) => {
    let next = 0;
    const worker = async () => {
      while (next < txs) {
        const t = next++;
        await db.transaction(async (tx) => {
          const events = Array.from({ length: per }, (_, i) => ({
            type: 'order.created',
            aggregateId: `o${t}`,
            data: { n: from + t * per + i },
          }));
          await env.platform.outbox.add(tx, events);
          await sleep(Math.random() * 25); // commits land out of seq order
        });
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  };

  beforeAll(async () => {
    env = await createTestEnv({ label: 'relay2', modules: [platformMigrations], redis: false });
    observer = await observe(env.platform.nats!, env.config.NATS_STREAM);
    await newNode();
    await newNode();
    // Sample leadership continuously: never two at once.
    void (async () => {
      while (watching) {
        leaders = nodes.filter((n) => n.relay.isLeader).length;
        maxLeaders = Math.max(maxLeaders, leaders);
        await sleep(2);
      }
    })();
  });
  afterAll(async () => {
    watching = false;
    await observer?.stop();
    for (const n of nodes) {
      await n.relay.stop();
      await n.bus.close();
      await n.nc.close();
      await n.db.close();
    }
    await env?.close();
  });

  it('publishes every event exactly once and in seq order, across a leader change', async () => {
    const [a, b] = nodes as [Node, Node];
    a.relay.start();
    b.relay.start();
    await waitFor('a leader', () => leaders === 1);
    const writer = env.platform.db;

    await writeEvents(writer, 0, 30, 5, 6);
    await waitFor('first half published', async () => observer.seen.length >= 150);
    const first = nodes.find((n) => n.relay.isLeader)!;
    const second = first === a ? b : a;
    const stopping = first.relay.stop();
    await writeEvents(writer, 150, 30, 5, 6);
    await stopping;
    await waitFor('the other relay to lead', () => second.relay.isLeader);
    await waitFor(
      'all 300 published',
      async () =>
        (await count(writer, `SELECT count(*)::int AS n FROM platform.outbox WHERE published_at IS NULL`)) === 0,
    );
    await waitFor('all 300 observed', () => observer.seen.length >= 300);
    await sleep(200); // a duplicate would arrive now

    const rows = await writer.query<{ id: string }>(`SELECT id FROM platform.outbox ORDER BY seq`, {
      type: QueryTypes.SELECT,
    });
    expect(rows).toHaveLength(300);
    expect(observer.seen.map((e) => e.id)).toEqual(rows.map((r) => r.id));
    expect(maxLeaders).toBe(1);
    const lockHolders = await count(writer, `SELECT count(*)::int AS n FROM pg_locks WHERE ${relayLock}`);
    expect(lockHolders).toBe(1);
  });

  it('a relay whose session is killed stops publishing; a relay takes over and carries on', async () => {
    const leader = nodes.find((n) => n.relay.isLeader)!;
    const [{ pid }] = (await env.platform.db.query<{ pid: number }>(`SELECT pid FROM pg_locks WHERE ${relayLock}`, {
      type: QueryTypes.SELECT,
    })) as [{ pid: number }];
    // The stopped relay of the previous test contends again, so there are two candidates.
    const idle = nodes.find((n) => n !== leader)!;
    idle.relay.start();
    await env.platform.db.query(`SELECT pg_terminate_backend($1)`, { bind: [pid] });
    await waitFor('a new lease', async () => {
      const holders = await env.platform.db.query<{ pid: number }>(`SELECT pid FROM pg_locks WHERE ${relayLock}`, {
        type: QueryTypes.SELECT,
      });
      return holders.length === 1 && holders[0]!.pid !== pid && nodes.some((n) => n.relay.isLeader);
    });
    const before = observer.seen.length;
    await writeEvents(env.platform.db, 300, 4, 5, 2);
    await waitFor('20 more observed', () => observer.seen.length === before + 20);
    expect(maxLeaders).toBe(1);
  });
});

describe('outbox relay with JetStream: rolled-back events', () => {
  let env: TestEnv;
  let jsm: JetStreamManager;
  /** The stream sequence the next published event gets. */
  const nextSeq = async () => (await jsm.streams.info(env.config.NATS_STREAM)).state.last_seq + 1;
  /** The ids of the `n` events stored from sequence `first` on, in stream order. */
  const storedIds = async (first: number, n: number) => {
    const ids: string[] = [];
    for (let seq = first; seq < first + n; seq++)
      ids.push((await jsm.streams.getMessage(env.config.NATS_STREAM, { seq }))!.json<EventEnvelope>().id);
    return ids;
  };
  beforeAll(async () => {
    env = await createTestEnv({ label: 'relayrb', modules: [platformMigrations], redis: false });
    jsm = await jetstreamManager(env.platform.nats!);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('never publishes an event whose transaction rolled back', async () => {
    const { db, outbox, relay } = env.platform;
    await expect(
      db.transaction(async (tx) => {
        await outbox.add(tx, { type: 'order.paid', aggregateId: 'o1', data: { doomed: true } });
        throw new Error('use case failed after writing its event');
      }),
    ).rejects.toThrow(/use case failed/);
    const [kept] = await db.transaction((tx) =>
      outbox.add(tx, { type: 'order.paid', aggregateId: 'o2', data: { doomed: false } }),
    );

    expect(await relay.drain()).toBe(1);
    const info = await jsm.streams.info(env.config.NATS_STREAM);
    expect(info.state.messages).toBe(1);
    const stored = await jsm.streams.getMessage(env.config.NATS_STREAM, { seq: info.state.first_seq });
    expect(stored!.json<EventEnvelope>()).toMatchObject({
      id: kept,
      type: 'order.paid',
      aggregateId: 'o2',
      version: 1,
      data: { doomed: false },
    });
    expect(stored!.header.get('Nats-Msg-Id')).toBe(kept);
    expect(await count(db, `SELECT count(*)::int AS n FROM platform.outbox`)).toBe(1);
  });

  it('holds back a committed event while an earlier-seq transaction is still open, then publishes both in seq order', async () => {
    const { db, outbox, relay } = env.platform;
    const first = await nextSeq();
    // A writer draws its seq when it inserts, in its open transaction: a later seq that commits
    // first must wait for it.
    const slow = await db.transaction();
    const early = newId();
    await db.query(
      `INSERT INTO platform.outbox (id, type, aggregate_id, version, data) VALUES ($1, 'order.shipped', 'o3', 1, '{}'::jsonb)`,
      { bind: [early], transaction: slow },
    );
    const [late] = await db.transaction((tx) => outbox.add(tx, { type: 'order.shipped', aggregateId: 'o4', data: {} }));
    const draining = relay.drain();
    await sleep(150);
    expect((await jsm.streams.info(env.config.NATS_STREAM)).state.last_seq).toBe(first - 1); // `late` waits for `early`
    await slow.commit();
    expect(await draining).toBe(2);
    expect(await storedIds(first, 2)).toEqual([early, late]);
  });

  it('outbox.add draws seqs when it writes: a transaction still open holds back later ones, then all leave in seq order', async () => {
    const { db, outbox, relay } = env.platform;
    const first = await nextSeq();
    const slow = await db.transaction();
    const [addedFirst] = await outbox.add(slow, { type: 'order.shipped', aggregateId: 'o5', data: {} });
    const [committedFirst] = await db.transaction((tx) =>
      outbox.add(tx, { type: 'order.shipped', aggregateId: 'o6', data: {} }),
    );
    const draining = relay.drain();
    await sleep(150);
    expect((await jsm.streams.info(env.config.NATS_STREAM)).state.last_seq).toBe(first - 1);
    await slow.commit();
    expect(await draining).toBe(2);
    expect(await storedIds(first, 2)).toEqual([addedFirst, committedFirst]);
  });

  it('a publish failing mid-batch stops the batch there: nothing after it is stored, and the retry publishes the rest in order', async () => {
    const { db, outbox, bus } = env.platform;
    const first = await nextSeq();
    // The transport refuses the third event once (as too large for the server), as a broken
    // connection would: the real JetStream bus, with that one event swapped on the first call.
    let failNext = true;
    const flaky: Bus = {
      ...bus,
      publishMany: (events) => {
        if (!failNext) return bus.publishMany!(events);
        failNext = false;
        return bus.publishMany!(
          events.map((e, i) => (i === 2 ? { ...e, data: { blob: 'x'.repeat(2 * 1024 * 1024) } } : e)),
        );
      },
    };
    const relay = createRelay({
      db,
      dbUrl: env.config.DATABASE_URL,
      bus: flaky,
      log: env.log,
      backoff: { minMs: 10, maxMs: 10 },
    });
    const ids = await db.transaction((tx) =>
      outbox.add(
        tx,
        Array.from({ length: 5 }, (_, n) => ({ type: 'order.created', aggregateId: `f${n}`, data: { n } })),
      ),
    );
    expect(await relay.drain()).toBe(2);
    expect((await jsm.streams.info(env.config.NATS_STREAM)).state.last_seq).toBe(first + 1);
    const [failed] = await db.query<{ attempts: number; last_error: string | null; published_at: Date | null }>(
      `SELECT attempts, last_error, published_at FROM platform.outbox WHERE id = $1`,
      { bind: [ids[2]], type: QueryTypes.SELECT },
    );
    expect(failed).toMatchObject({ attempts: 1, published_at: null });
    expect(failed.last_error).toBeTruthy();

    expect(await relay.drain()).toBe(3);
    expect(await storedIds(first, 5)).toEqual(ids);
    expect((await jsm.streams.info(env.config.NATS_STREAM)).state.last_seq).toBe(first + 4);
  });
});
