import type { EventEnvelope } from '@zjmall/contracts';
import type { Db } from '../db/sequelize';
import type { Logger } from '../logger';
import { deliverDurable, matchesType, MAX_DELIVER } from './consumer';
import type { BroadcastHandler, Bus, DurableHandler, LiveHandler } from './types';

export interface InProcessBusOptions {
  db: Db;
  log: Logger;
  /** Failed deliveries of one event to one handler before it is dead-lettered (default MAX_DELIVER). */
  maxDeliver?: number;
}

/**
 * The bus without NATS (one process): the outbox relay's `publish` runs the matching durable
 * handlers through the consumer wrapper, in registration order, then the live handlers.
 * A transient handler failure rejects `publish`, so the relay keeps the event pending and retries
 * it; handlers that already succeeded skip it then, because their handled ids are recorded.
 */
export function createInProcessBus(opts: InProcessBusOptions): Bus {
  const { db, log } = opts;
  const maxDeliver = opts.maxDeliver ?? MAX_DELIVER;
  const durables: DurableHandler[] = [];
  const live = new Set<{ types: string[]; handler: LiveHandler }>();
  const broadcasts = new Map<string, Set<BroadcastHandler>>();
  // Failed attempts per handler and event, the in-process stand-in for JetStream's delivery count.
  const failures = new Map<string, number>();
  let closed = false;

  const dispatchLive = (event: EventEnvelope) => {
    for (const l of [...live]) {
      if (!matchesType(l.types, event.type)) continue;
      try {
        l.handler(event);
      } catch (err) {
        log.warn({ err, type: event.type, eventId: event.id }, 'live handler failed');
      }
    }
  };

  return {
    mode: 'in-process',

    async publish(event) {
      if (closed) throw new Error('bus is closed');
      const errors: unknown[] = [];
      // Every handler gets its chance even if an earlier one fails: one broken reaction must not
      // hold back the others.
      for (const h of durables) {
        if (!matchesType(h.types, event.type)) continue;
        const key = `${h.name}\u0000${event.id}`;
        const attempt = (failures.get(key) ?? 0) + 1;
        const d = await deliverDurable(db, log, h, event, { lastAttempt: attempt >= maxDeliver });
        if (d.outcome === 'retry') {
          failures.set(key, attempt);
          errors.push(d.error);
        } else {
          failures.delete(key);
        }
      }
      if (errors.length) {
        throw new AggregateError(errors, `${errors.length} durable handler(s) failed for ${event.type} ${event.id}`);
      }
      // Live listeners run once, after every durable reaction is done (not on each retry).
      dispatchLive(event);
    },

    async addDurable(handler) {
      if (durables.some((h) => h.name === handler.name))
        throw new Error(`durable handler ${handler.name} is already registered`);
      durables.push(handler);
    },

    pendingDurables() {
      return [];
    },

    onReconnect() {
      return () => {};
    },

    onLive(types, handler) {
      const entry = { types: [...types], handler };
      live.add(entry);
      return () => {
        live.delete(entry);
      };
    },

    async broadcast(topic, payload) {
      // Same semantics as over NATS: a JSON copy, delivered asynchronously, to this process too.
      const copy: unknown = JSON.parse(JSON.stringify(payload ?? null));
      queueMicrotask(() => {
        for (const h of [...(broadcasts.get(topic) ?? [])]) {
          try {
            h(copy);
          } catch (err) {
            log.warn({ err, topic }, 'broadcast handler failed');
          }
        }
      });
    },

    onBroadcast(topic, handler) {
      let set = broadcasts.get(topic);
      if (!set) broadcasts.set(topic, (set = new Set()));
      set.add(handler);
      return () => {
        set.delete(handler);
      };
    },

    async healthy() {
      return !closed;
    },

    async close() {
      closed = true;
      live.clear();
      broadcasts.clear();
    },
  };
}
