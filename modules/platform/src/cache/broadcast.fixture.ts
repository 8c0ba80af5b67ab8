import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Bus, BroadcastHandler } from '../bus/types';

/** Test support: the fan-out half of a Bus, for tests that must not depend on bus/ being finished. */
export type BroadcastBus = Pick<Bus, 'broadcast' | 'onBroadcast' | 'onReconnect'> & {
  /** Resolves once the server has seen every subscription made so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
};

/** Plain NATS subjects `${subjectPrefix}.${topic}` on a connection of its own: one per simulated process. */
export async function natsBroadcastBus(servers: string, subjectPrefix: string): Promise<BroadcastBus> {
  const nc: NatsConnection = await connect({ servers });
  return {
    async broadcast(topic, payload) {
      nc.publish(`${subjectPrefix}.${topic}`, JSON.stringify(payload));
    },
    onBroadcast(topic, handler) {
      const sub = nc.subscribe(`${subjectPrefix}.${topic}`, {
        callback: (err, msg) => {
          if (!err) handler(msg.json());
        },
      });
      return () => sub.unsubscribe();
    },
    onReconnect(handler) {
      let on = true;
      void (async () => {
        for await (const s of nc.status()) {
          if (!on) break;
          if (s.type === 'reconnect') handler();
        }
      })();
      return () => {
        on = false;
      };
    },
    flush: () => nc.flush(),
    close: () => nc.close(),
  };
}

/** One process, no transport: handlers run on the next microtask, as with a real bus. */
export function inProcessBroadcastBus(): BroadcastBus {
  const handlers = new Map<string, Set<BroadcastHandler>>();
  return {
    async broadcast(topic, payload) {
      await Promise.resolve();
      for (const h of handlers.get(topic) ?? []) h(payload);
    },
    onBroadcast(topic, handler) {
      const set = handlers.get(topic) ?? new Set<BroadcastHandler>();
      handlers.set(topic, set.add(handler));
      return () => set.delete(handler);
    },
    onReconnect: () => () => {},
    flush: async () => {},
    close: async () => handlers.clear(),
  };
}
