import type { SaleTicket } from '@zjmall/contracts';
import type { Bus, Logger } from '@zjmall/platform';
import type { SaleTick } from './sale.admit';

/** A followed ticket with what its position is computed from. */
export interface Followed {
  ticket: SaleTicket;
  saleId: string;
  seq: number;
}

interface Follower {
  seq: number;
  apply(m: SaleTick, admitted: Map<string, string>, expired: Set<string>): void;
  reread(): void;
}

/** Position-only updates go out at most this often per stream; state changes go out at once. */
const POSITION_EVERY_MS = 1000;

/**
 * `sale.onTicket` streams of this process. The admitter broadcasts one message per pass that changed
 * something (who was admitted or expired, sold out or restocked, the queue's new head); each stream
 * works out its own ticket from it, so telling every waiter "sold out" is one message per process,
 * not a read per waiter. After a NATS reconnection (messages may have been missed) each stream reads
 * its ticket again.
 */
export function createTicketHub(deps: { bus: Bus; log: Logger; read: (id: string) => Promise<Followed | null> }) {
  const topic = 'sale.tick';
  const bySale = new Map<string, Set<Follower>>();
  const off = deps.bus.onBroadcast(topic, (payload) => {
    const m = payload as SaleTick;
    const followers = bySale.get(m.saleId);
    if (!followers) return;
    const admitted = new Map(m.admitted.map((a) => [a.id, a.expiresAt]));
    const expired = new Set(m.expired);
    for (const f of followers) f.apply(m, admitted, expired);
  });
  const offReconnect = deps.bus.onReconnect(() => {
    for (const set of bySale.values()) for (const f of set) f.reread();
  });

  async function* follow(start: Followed, signal?: AbortSignal): AsyncGenerator<SaleTicket> {
    let shown = start.ticket;
    let latest = start.ticket;
    let shownAt = Date.now();
    let wake: (() => void) | null = null;
    let timer: NodeJS.Timeout | null = null;
    const poke = () => {
      wake?.();
      wake = null;
    };
    const set = (t: SaleTicket) => {
      const same = t.state === latest.state && t.position === latest.position && t.expiresAt === latest.expiresAt;
      if (same) return;
      latest = t;
      if (t.state !== shown.state || Date.now() - shownAt >= POSITION_EVERY_MS) return poke();
      timer ??= setTimeout(() => {
        timer = null;
        poke();
      }, POSITION_EVERY_MS);
    };
    const follower: Follower = {
      seq: start.seq,
      apply(m, admitted, expired) {
        const t = latest;
        const id = t.ticketId;
        if (admitted.has(id)) return set({ ...t, state: 'admitted', position: 0, expiresAt: admitted.get(id)! });
        if (expired.has(id)) return set({ ...t, state: 'expired', position: 0, expiresAt: null });
        if (t.state !== 'waiting' && t.state !== 'sold_out') return;
        if (m.ended) return set({ ...t, state: 'expired', position: 0 });
        const state = m.soldOut ? 'sold_out' : m.restocked ? 'waiting' : t.state;
        const position = m.head !== null ? this.seq - m.head + 1 : t.position;
        if (state !== t.state || position !== t.position) set({ ...t, state, position });
      },
      reread() {
        deps
          .read(latest.ticketId)
          .then((f) => f && set(f.ticket))
          .catch((err: unknown) => deps.log.warn({ err }, 'sale.onTicket: re-read failed'));
      },
    };
    let set_ = bySale.get(start.saleId);
    if (!set_) bySale.set(start.saleId, (set_ = new Set()));
    set_.add(follower);
    const onAbort = () => poke();
    signal?.addEventListener('abort', onAbort);
    try {
      yield shown;
      // A pass may have run between the caller's read and the registration: read once more.
      follower.reread();
      while (!signal?.aborted && shown.state !== 'expired') {
        if (latest === shown) await new Promise<void>((r) => (wake = r));
        if (signal?.aborted) break;
        if (latest === shown) continue;
        shown = latest;
        shownAt = Date.now();
        yield shown;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      set_.delete(follower);
      if (set_.size === 0) bySale.delete(start.saleId);
    }
  }

  return {
    topic,
    follow,
    close() {
      off();
      offReconnect();
    },
  };
}
