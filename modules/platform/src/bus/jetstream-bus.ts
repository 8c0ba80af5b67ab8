import {
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { EventEnvelope, eventSubject } from '@zjmall/contracts';
import type { Db } from '../db/sequelize';
import type { Logger } from '../logger';
import { deliverDurable, matchesType, MAX_DELIVER } from './consumer';
import { consumerFilter, consumerName, ensureConsumer, ensureStream, supportsMultiFilter } from './jetstream-setup';
import type { Bus, DurableHandler } from './types';
import { messageContext, runLive, traceHeaders } from './trace-headers';
import { inSpan, SpanKind } from '../tracing';

export interface JetStreamBusOptions {
  /**
   * The connection, or a promise of it when the process starts while NATS is unreachable (the
   * runtime keeps dialing in the background). Until it resolves the bus works degraded: publish
   * fails (the relay keeps the events in the outbox and retries), durable handlers wait in
   * `pendingDurables()`, live and broadcast subscriptions are made once it connects, broadcasts
   * wait in a bounded queue, `healthy()` is false; once connected, the stream is ensured, the
   * waiting registrations run at once and the `onReconnect` handlers are called (whatever was
   * sent meanwhile never reached this process). A promise that rejects (the process closed
   * before NATS came) leaves the bus degraded until `close()`.
   */
  nc: NatsConnection | Promise<NatsConnection>;
  db: Db;
  log: Logger;
  /** Event subjects are `${prefix}.${type}`; the stream captures `${prefix}.>`. */
  prefix: string;
  stream: string;
  /** Delays between attempts to register a durable consumer that could not be (default 1 s doubling to 30 s). */
  registerBackoff?: { minMs: number; maxMs: number };
}

/** Broadcasts kept while the first connection is not made yet (beyond it, the oldest are dropped). */
export const MAX_QUEUED_BROADCASTS = 10_000;
/** Delays between attempts to create the stream on a first connection that could not (1 s doubling to 30 s). */
const STREAM_RETRY = { minMs: 1_000, maxMs: 30_000 };

/** Messages a consumer keeps buffered; each is handled in turn, well within the ack deadline. */
const PULL_BATCH = 32;
const HEALTH_TIMEOUT_MS = 2_000;
const TOPIC = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Delay before a failed message comes back: 1 s, 2 s, 4 s … capped at one minute. */
export function retryDelayMs(deliveryCount: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, deliveryCount - 1), 60_000);
}

/** Delay before the `attempt`-th retry of a durable consumer's registration: minMs doubling up to maxMs. */
export function registerDelayMs(attempt: number, minMs = 1_000, maxMs = 30_000): number {
  return Math.min(minMs * 2 ** Math.max(0, attempt - 1), maxMs);
}

/** Fan-out subjects live outside the stream's `${prefix}.>`, so nothing there is persisted. */
export function broadcastSubject(prefix: string, topic: string): string {
  if (!TOPIC.test(topic)) throw new Error(`invalid broadcast topic ${JSON.stringify(topic)}`);
  return `_bcast.${prefix}.${topic}`;
}

/**
 * The bus with NATS: events go to a JetStream stream (Nats-Msg-Id = event id, so a relay's
 * re-publish is dropped); every durable handler is a durable pull consumer and is fed only from
 * there; live listeners and broadcasts are plain core-NATS subscriptions.
 */
export async function createJetStreamBus(opts: JetStreamBusOptions): Promise<Bus> {
  const { db, log, prefix, stream } = opts;
  /** The connection and its JetStream handles, once connected and the stream ensured. */
  interface Link {
    nc: NatsConnection;
    jsm: JetStreamManager;
    js: JetStreamClient;
    multiFilter: boolean;
  }
  const open = async (nc: NatsConnection): Promise<Link> => {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, stream, prefix);
    return { nc, jsm, js: jetstream(nc), multiFilter: supportsMultiFilter(nc) };
  };
  let link = null as Link | null;
  const notConnected = () => new Error('NATS not connected yet');

  let closed = false;
  const durableNames = new Set<string>();
  const pulls = new Set<ConsumerMessages>();
  const loops = new Set<Promise<void>>();
  const subs = new Set<Subscription>();
  const backoff = opts.registerBackoff ?? { minMs: 1_000, maxMs: 30_000 };
  /** Durable handlers whose consumer could not be registered yet (NATS unreachable): retried until it is. */
  const pending = new Set<string>();
  const retries = new Set<Promise<void>>();
  /** Reconnections to NATS so far; a retry waiting for its delay is woken by the next one (and by close). */
  let reconnects = 0;
  let wake: () => void = () => {};
  let woken = new Promise<void>((r) => (wake = r));
  const wakeRetries = () => {
    const w = wake;
    woken = new Promise<void>((r) => (wake = r));
    w();
  };
  const reconnectHandlers = new Set<() => void>();
  const reconnected = () => {
    reconnects++;
    wakeRetries();
    for (const h of [...reconnectHandlers]) {
      try {
        h();
      } catch (err) {
        log.warn({ err }, 'reconnect handler failed');
      }
    }
  };
  /** Live and broadcast subscriptions: made on the connection, or when it comes. */
  interface SubSpec {
    subject: string;
    callback: (err: Error | null, msg: Msg) => void;
    sub: Subscription | null;
  }
  const specs = new Set<SubSpec>();
  const subscribe = (spec: SubSpec) => {
    if (link && !spec.sub) {
      spec.sub = link.nc.subscribe(spec.subject, { callback: spec.callback });
      subs.add(spec.sub);
    }
  };
  const addSpec = (subject: string, callback: SubSpec['callback']) => {
    const spec: SubSpec = { subject, callback, sub: null };
    specs.add(spec);
    subscribe(spec);
    return () => {
      specs.delete(spec);
      if (spec.sub) {
        subs.delete(spec.sub);
        spec.sub.unsubscribe();
      }
    };
  };
  /** Broadcasts sent before the first connection, in order (bounded). */
  const queuedBroadcasts: [string, string][] = [];
  let droppedBroadcasts = 0;

  const attach = (l: Link) => {
    link = l;
    // Ends when the connection closes.
    void (async () => {
      for await (const s of l.nc.status()) {
        if (closed) break;
        if (s.type === 'reconnect') reconnected();
      }
    })().catch(() => {});
    for (const spec of specs) subscribe(spec);
  };

  if (!(opts.nc instanceof Promise)) {
    // Connected already: the stream must be there before the process goes on.
    attach(await open(opts.nc));
  } else {
    // NATS was unreachable at startup: connect in the background, then make up for the time away.
    void (async () => {
      let nc: NatsConnection;
      try {
        nc = await opts.nc;
      } catch {
        return; // closed before NATS came
      }
      for (let attempt = 1; !closed; attempt++) {
        try {
          const l = await open(nc);
          if (closed) return;
          attach(l);
          break;
        } catch (err) {
          if (closed || nc.isClosed()) return;
          log.warn({ err, attempt }, 'JetStream stream not ensured on the first connection; retrying');
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            woken,
            new Promise(
              (r) => (timer = setTimeout(r, registerDelayMs(attempt, STREAM_RETRY.minMs, STREAM_RETRY.maxMs))),
            ),
          ]);
          clearTimeout(timer);
        }
      }
      if (closed || !link) return;
      log.info('NATS connected: live subscriptions made, pending durable consumers registering');
      for (const [subject, payload] of queuedBroadcasts.splice(0)) link.nc.publish(subject, payload);
      if (droppedBroadcasts > 0) log.warn({ dropped: droppedBroadcasts }, 'broadcasts dropped while NATS was away');
      reconnected();
    })().catch((err: unknown) => log.error({ err }, 'NATS first connection handling failed'));
  }

  const decode = (data: Uint8Array): EventEnvelope | null => {
    try {
      return EventEnvelope.parse(JSON.parse(new TextDecoder().decode(data)));
    } catch {
      return null;
    }
  };

  /** Turns one delivery into ack / term / nak through the consumer wrapper; ack only after commit. */
  const handleMessage = async (handler: DurableHandler, m: JsMsg) => {
    const event = decode(m.data);
    if (!event) {
      log.error({ consumer: handler.name, subject: m.subject, seq: m.seq }, 'malformed event envelope; terminated');
      m.term();
      return;
    }
    if (!matchesType(handler.types, event.type)) {
      m.ack(); // only on servers that cannot filter several subjects (see consumerFilter)
      return;
    }
    const deliveries = m.info.deliveryCount;
    // The reaction continues the trace of the request that wrote the event (headers from the relay).
    const d = await inSpan(
      handler.name,
      {
        kind: SpanKind.CONSUMER,
        parent: messageContext(m.headers),
        attributes: { 'messaging.system': 'nats', 'zjmall.event_type': event.type, 'zjmall.event_id': event.id },
      },
      () => deliverDurable(db, log, handler, event, { lastAttempt: deliveries >= MAX_DELIVER }),
    );
    if (d.outcome === 'retry') m.nak(retryDelayMs(deliveries));
    // term() without a reason: nats-server 2.9 does not understand '+TERM <reason>' and leaves the message pending.
    else if (d.outcome === 'dead') m.term();
    else m.ack();
  };

  /** One message at a time per consumer and process, so a consumer sees its events in stream order. */
  const consumeLoop = async (handler: DurableHandler, consumer: Consumer) => {
    while (!closed) {
      let messages: ConsumerMessages | undefined;
      try {
        messages = await consumer.consume({ max_messages: PULL_BATCH });
        pulls.add(messages);
        if (closed) break;
        for await (const m of messages) {
          await handleMessage(handler, m);
          if (closed) break;
        }
      } catch (err) {
        if (!closed) log.warn({ err, consumer: handler.name }, 'durable consumer stopped; restarting');
      } finally {
        if (messages) {
          pulls.delete(messages);
          await messages.close().catch(() => {});
        }
      }
      if (!closed) await new Promise((r) => setTimeout(r, 1_000));
    }
  };

  /** Creates (or updates) the handler's durable consumer and starts its consume loop. */
  const register = async (handler: DurableHandler, durable: string) => {
    const l = link;
    if (!l) throw notConnected();
    await ensureConsumer(l.jsm, stream, durable, consumerFilter(prefix, handler.types, l.multiFilter));
    const consumer = await l.js.consumers.get(stream, durable);
    if (closed) return;
    const loop = consumeLoop(handler, consumer).catch((err: unknown) =>
      log.error({ err, consumer: handler.name }, 'consumer loop crashed'),
    );
    loops.add(loop);
    void loop.finally(() => loops.delete(loop));
  };

  /** Retries a registration with capped backoff; a reconnection to NATS retries at once. */
  const retryRegistration = async (handler: DurableHandler, durable: string) => {
    let attempt = 1;
    let seen = reconnects;
    while (!closed) {
      if (reconnects === seen) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          woken,
          new Promise((r) => (timer = setTimeout(r, registerDelayMs(attempt, backoff.minMs, backoff.maxMs)))),
        ]);
        clearTimeout(timer);
      }
      if (closed) return;
      // A reconnection during the wait or the last attempt restarts the backoff.
      if (reconnects !== seen) attempt = 1;
      seen = reconnects;
      try {
        await register(handler, durable);
        pending.delete(handler.name);
        log.info({ consumer: handler.name }, 'durable consumer registered');
        return;
      } catch (err) {
        if (!closed)
          log.warn({ err, consumer: handler.name, attempt }, 'durable consumer registration failed; retrying');
        attempt++;
      }
    }
  };

  return {
    mode: 'jetstream',

    async publish(event) {
      if (!link) throw notConnected();
      // Resolves once the stream has stored it (or recognised the id as a duplicate).
      await link.js.publish(eventSubject(prefix, event.type), JSON.stringify(event), {
        msgID: event.id,
        headers: traceHeaders(event),
      });
    },

    async publishMany(events) {
      // Each event after the first names its predecessor as the stream's last message id
      // (Nats-Expected-Last-Msg-Id): once one fails, the server refuses every later one, so none
      // overtakes it. The server checks duplicates first, so a retry that re-publishes events it
      // already stored (a lost acknowledgement) is acknowledged as duplicates, chain and all.
      const js = link?.js;
      if (!js) return { published: 0, error: notConnected() };
      const settled = await Promise.allSettled(
        events.map((event, i) =>
          js.publish(eventSubject(prefix, event.type), JSON.stringify(event), {
            msgID: event.id,
            headers: traceHeaders(event),
            ...(i > 0 ? { expect: { lastMsgID: events[i - 1].id } } : {}),
          }),
        ),
      );
      const failed = settled.findIndex((s) => s.status === 'rejected');
      if (failed < 0) return { published: events.length };
      return { published: failed, error: (settled[failed] as PromiseRejectedResult).reason };
    },

    async addDurable(handler) {
      if (closed) throw new Error('bus is closed');
      const durable = consumerName(handler.name);
      if (durableNames.has(durable)) throw new Error(`durable handler ${handler.name} is already registered`);
      durableNames.add(durable);
      try {
        await register(handler, durable);
      } catch (err) {
        if (closed) return;
        // NATS unreachable (or JetStream not answering): keep trying in the background until the
        // consumer exists, so the reaction is not lost for this process's lifetime (/ready lists it).
        pending.add(handler.name);
        log.warn({ err, consumer: handler.name }, 'durable consumer not registered; retrying until it is');
        const retry = retryRegistration(handler, durable);
        retries.add(retry);
        void retry.finally(() => retries.delete(retry));
      }
    },

    pendingDurables() {
      return [...pending].sort();
    },

    onLive(types, handler) {
      const subjects = types.includes('*') ? [`${prefix}.>`] : [...new Set(types)].map((t) => eventSubject(prefix, t));
      const mine = subjects.map((subject) =>
        addSpec(subject, (err, msg) => {
          if (err) return;
          const event = decode(msg.data);
          if (!event) return;
          try {
            runLive(msg.headers, event, () => handler(event));
          } catch (e) {
            log.warn({ err: e, type: event.type }, 'live handler failed');
          }
        }),
      );
      return () => {
        for (const off of mine) off();
      };
    },

    async broadcast(topic, payload) {
      const subject = broadcastSubject(prefix, topic);
      const data = JSON.stringify(payload ?? null);
      // Once connected, nats.js buffers what is published while it reconnects; before the first
      // connection the bus keeps it (other processes may be connected and must hear of it).
      if (link) link.nc.publish(subject, data);
      else if (!closed) {
        queuedBroadcasts.push([subject, data]);
        if (queuedBroadcasts.length > MAX_QUEUED_BROADCASTS) {
          queuedBroadcasts.shift();
          droppedBroadcasts++;
        }
      }
    },

    onBroadcast(topic, handler) {
      return addSpec(broadcastSubject(prefix, topic), (err, msg) => {
        if (err) return;
        let payload: unknown;
        try {
          payload = msg.json<unknown>();
        } catch {
          return;
        }
        try {
          handler(payload);
        } catch (e) {
          log.warn({ err: e, topic }, 'broadcast handler failed');
        }
      });
    },

    onReconnect(handler) {
      reconnectHandlers.add(handler);
      return () => {
        reconnectHandlers.delete(handler);
      };
    },

    async healthy() {
      const l = link;
      if (closed || !l || l.nc.isClosed()) return false;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          l.jsm.getAccountInfo(),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), HEALTH_TIMEOUT_MS))),
        ]);
        return true;
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      wakeRetries();
      await Promise.all([...retries]);
      // Stop pulling; the message in hand is finished (and acked) before its loop ends. Buffered,
      // unacked messages return to the consumer after ack_wait.
      await Promise.all([...pulls].map((m) => m.close().catch(() => {})));
      await Promise.all([...loops]);
      for (const s of subs) s.unsubscribe();
      subs.clear();
      specs.clear();
      queuedBroadcasts.length = 0;
      reconnectHandlers.clear();
    },
  };
}
