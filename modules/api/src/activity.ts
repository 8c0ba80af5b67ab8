import { EVENTS, type AdminActivity } from '@zjmall/contracts';
import type { Bus } from '@zjmall/platform';

const ACTIVITY_TYPES = [...Object.values(EVENTS.order), ...Object.values(EVENTS.payment)];

/** At most this many messages wait for a slow client; older ones are dropped (the console reloads its lists anyway). */
const MAX_QUEUED = 1000;

/**
 * `admin.onActivity`: every order and payment event from now on, as the bus's live fan-out
 * delivers it to this process (from whichever process's relay published it). Best effort, like
 * every live listener: nothing is replayed after a reconnect. The listener is attached when the
 * procedure is called, before the stream reports itself connected, so an event published after a
 * client saw `connected` is not missed.
 */
export function createActivityFeed(deps: { bus: Bus }) {
  return function watch(signal?: AbortSignal): AsyncGenerator<AdminActivity> {
    const queue: AdminActivity[] = [];
    const seen = new Set<string>();
    let wake: (() => void) | null = null;
    let attached = true;
    const off = deps.bus.onLive(ACTIVITY_TYPES, (event) => {
      if (seen.has(event.id)) return;
      seen.add(event.id);
      if (seen.size > MAX_QUEUED * 10) seen.delete(seen.values().next().value as string);
      const data = (event.data ?? {}) as { orderId?: unknown; at?: unknown };
      queue.push({
        id: event.id,
        type: event.type,
        aggregateId: event.aggregateId,
        orderId: typeof data.orderId === 'string' ? data.orderId : null,
        at: typeof data.at === 'string' ? data.at : event.occurredAt,
      });
      if (queue.length > MAX_QUEUED) queue.shift();
      wake?.();
    });
    const detach = () => {
      if (attached) off();
      attached = false;
      wake?.();
    };
    // A stream aborted before its first read never runs the generator's finally: detach here too.
    signal?.addEventListener('abort', detach);
    return (async function* () {
      try {
        while (!signal?.aborted && attached) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      } finally {
        detach();
        signal?.removeEventListener('abort', detach);
      }
    })();
  };
}

export type ActivityFeed = ReturnType<typeof createActivityFeed>;
