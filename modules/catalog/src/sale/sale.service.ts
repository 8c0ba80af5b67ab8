import { UniqueConstraintError, type Transaction } from 'sequelize';
import type { Sale, SaleJoinInput, SaleTicket, SetSaleInput } from '@zjmall/contracts';
import { DomainError, FieldError, newId, type Bus, type Config, type Db, type Logger } from '@zjmall/platform';
import { admitPass, type SaleTick } from './sale.admit';
import { saleAdmissions, saleQueueLength, saleWaitSeconds } from './sale.metrics';
import { createSaleStore, type SaleRow, type SaleStatus, type TicketRow } from './sale.store';
import { createTicketHub } from './sale.watch';

export interface SaleDeps {
  db: Db;
  bus: Bus;
  log: Logger;
  config: Pick<Config, 'SALE_ADMISSION_RATE' | 'SALE_ADMISSION_GRACE_SECONDS'>;
  /**
   * How long the set of SKUs in a queued sale is kept before it is read again (default 1000 ms);
   * setSale's broadcast drops it in every process before that. Tests that count statements keep it
   * for their length, as they do the other caches.
   */
  queuedMemoMs?: number;
  /** inventory's public stock read in the caller's transaction (available = on hand − reserved). */
  inventory: {
    getPublic(skuIds: string[], opts?: { transaction?: Transaction }): Promise<{ skuId: string; available: number }[]>;
  };
}

/** Whose cart or checkout is asking (cart's owner shape: guests are never admitted). */
export interface SaleBuyer {
  type: 'user' | 'guest';
  id: string;
}

export interface SaleService {
  /** `catalog.admin.setSale`: a new window is a new sale (its tickets start over); the same window changes `queued`. */
  setSale(input: SetSaleInput): Promise<Sale>;
  /** `sale.join`: the caller's ticket (one per customer per sale; joining again answers it). */
  join(userId: string, input: SaleJoinInput): Promise<SaleTicket>;
  ticket(userId: string, ticketId: string): Promise<SaleTicket>;
  /** `sale.onTicket`: the ticket now, then each change (position at most once a second). */
  watch(userId: string, ticketId: string, signal?: AbortSignal): AsyncGenerator<SaleTicket>;
  /** NOT_ADMITTED unless the buyer holds an admitted ticket for every SKU here that is in an open queued sale. */
  requireAdmitted(buyer: SaleBuyer, skuIds: string[]): Promise<void>;
  /** After a successful add: the buyer's admitted tickets of these SKUs have claimed their units. */
  markUsed(buyer: SaleBuyer, skuIds: string[]): Promise<void>;
  /** One admission pass over every queued sale that may need one (`openSales`). */
  admitAll(): Promise<{ admitted: number; expired: number }>;
  /** Queued sales whose window is open (or ended less than the grace ago: admissions still lapse). */
  openSales(): Promise<string[]>;
  /**
   * One admission pass over one sale, and when its next pass is due (`nextInMs`): `SALE_TICK_MS`
   * while tickets wait, `SALE_SOLD_OUT_RECHECK_MS` while they are all told sold out (units may come
   * back), at the next admitted ticket's expiry or the window's end; null when nothing is due until a
   * join or a `setSale` (or the sale is gone).
   */
  admitSale(saleId: string): Promise<{ admitted: number; expired: number; nextInMs: number | null }>;
  /**
   * Calls `fn(saleId)` when a ticket was issued for that sale (in any process), and `fn(null)` when the
   * sales changed (`setSale`) or the bus reconnected (a wake may have been missed): look at every sale.
   */
  onWake(fn: (saleId: string | null) => void): () => void;
  close(): void;
}

/** Admission passes of a sale with tickets waiting come this often. */
export const SALE_TICK_MS = 100;
/** A sale whose queue is all told sold out looks for units come back this often. */
export const SALE_SOLD_OUT_RECHECK_MS = 1000;
const CHANGED = 'sale.changed';
const WAKE = 'sale.wake';

const view = (t: TicketRow): SaleTicket => {
  const lapsed = t.state === 'admitted' && t.expires_at !== null && t.expires_at <= t.now;
  const queued = t.state === 'waiting' || t.state === 'sold_out';
  return {
    ticketId: t.id,
    skuId: t.sku_id,
    position: queued && t.head !== null ? t.seq - t.head + 1 : 0,
    state: lapsed ? 'expired' : t.state,
    expiresAt: t.state === 'admitted' && !lapsed ? t.expires_at!.toISOString() : null,
  };
};

const saleView = (s: SaleRow): Sale => ({
  id: s.id,
  skuId: s.sku_id,
  startsAt: s.starts_at.toISOString(),
  endsAt: s.ends_at.toISOString(),
  queued: s.queued,
  issued: s.issued,
});

/** When a sale's next admission pass is due, from its queue after a pass (see `admitSale`). */
function nextPassIn(s: SaleStatus): number | null {
  if (!s.queued) return null;
  if (s.waiting > 0) return SALE_TICK_MS;
  const due: number[] = [];
  // Told sold out: look for units come back until the window ends (then the pass expires them).
  if (s.sold_out > 0) due.push(s.end_in_ms > 0 ? Math.min(SALE_SOLD_OUT_RECHECK_MS, s.end_in_ms) : SALE_TICK_MS);
  // The next admitted ticket's grace: its expiry is told to its holder's stream.
  if (s.expiry_in_ms !== null) due.push(Math.max(0, s.expiry_in_ms));
  return due.length ? Math.min(...due) : null;
}

export function createSaleService(deps: SaleDeps): SaleService {
  const { db, bus, log, config } = deps;
  const store = createSaleStore(db);
  const followed = (t: TicketRow) => ({ ticket: view(t), saleId: t.sale_id, seq: t.seq });
  const hub = createTicketHub({ bus, log, read: (id) => store.ticket(id).then((t) => (t ? followed(t) : null)) });

  // SKUs with a queued sale not over yet, read at most once a second; setSale drops it everywhere.
  let memo: { at: number; skus: Map<string, { startsAt: number; endsAt: number }> } | null = null;
  const offChanged = bus.onBroadcast(CHANGED, () => (memo = null));
  const memoMs = deps.queuedMemoMs ?? 1000;
  async function queuedNow(skuIds: string[]): Promise<string[]> {
    if (!memo || Date.now() - memo.at > memoMs) {
      const rows = await store.queuedSkus();
      memo = {
        at: Date.now(),
        skus: new Map(rows.map((r) => [r.sku_id, { startsAt: r.starts_at.getTime(), endsAt: r.ends_at.getTime() }])),
      };
    }
    const now = Date.now();
    return skuIds.filter((id) => {
      const w = memo!.skus.get(id);
      return w !== undefined && w.startsAt <= now && now < w.endsAt;
    });
  }

  async function ticketOf(userId: string, ticketId: string): Promise<TicketRow> {
    const t = await store.ticket(ticketId);
    if (!t || t.user_id !== userId) throw new FieldError('BAD_REQUEST', ['ticketId'], 'No such ticket of yours');
    return t;
  }

  async function available(skuId: string, tx: Transaction): Promise<number> {
    const [s] = await deps.inventory.getPublic([skuId], { transaction: tx });
    return s?.available ?? 0;
  }

  const openSales = async () => (await store.ticking(config.SALE_ADMISSION_GRACE_SECONDS + 5)).map((s) => s.id);

  async function admitSale(saleId: string): ReturnType<SaleService['admitSale']> {
    const tick = await db.transaction((tx) =>
      admitPass(store, tx, saleId, {
        rate: config.SALE_ADMISSION_RATE,
        graceSeconds: config.SALE_ADMISSION_GRACE_SECONDS,
        available,
      }),
    );
    const status = await store.status(saleId);
    saleQueueLength.set({ sale: saleId }, status ? status.waiting + status.sold_out : 0);
    const nextInMs = status ? nextPassIn(status) : null;
    if (!tick) return { admitted: 0, expired: 0, nextInMs };
    saleAdmissions.inc(tick.admitted.length);
    for (const w of tick.waits) saleWaitSeconds.observe(w);
    const { waits: _waits, ...message } = tick;
    await bus.broadcast(hub.topic, message satisfies SaleTick);
    return { admitted: tick.admitted.length, expired: tick.expired.length, nextInMs };
  }

  return {
    async setSale(input) {
      const sale = await db.transaction(async (tx) => {
        const [sku] = await store.q<{ id: string }>(`SELECT id FROM catalog.skus WHERE id = $1`, [input.skuId], tx);
        if (!sku) throw new DomainError('SKU_NOT_FOUND', 'No such SKU', { skuId: input.skuId });
        const [old] = await store.q<{ id: string; same: boolean }>(
          `SELECT id, (starts_at = $2::timestamptz AND ends_at = $3::timestamptz) AS same
             FROM catalog.sales WHERE sku_id = $1 FOR UPDATE`,
          [input.skuId, input.startsAt, input.endsAt],
          tx,
        );
        if (old?.same) {
          await store.q(
            `UPDATE catalog.sales SET queued = $2, updated_at = now() WHERE id = $1`,
            [old.id, input.queued],
            tx,
          );
        } else {
          if (old) await store.q(`DELETE FROM catalog.sales WHERE id = $1`, [old.id], tx);
          await store.q(
            `INSERT INTO catalog.sales (id, sku_id, starts_at, ends_at, queued) VALUES ($1, $2, $3, $4, $5)`,
            [newId(), input.skuId, input.startsAt, input.endsAt, input.queued],
            tx,
          );
        }
        return (await store.saleOfSku(input.skuId, tx))!;
      });
      memo = null;
      await bus.broadcast(CHANGED, { skuId: input.skuId });
      return saleView(sale);
    },

    async join(userId, input) {
      const sale = await store.saleOfSku(input.skuId);
      if (!sale || !sale.queued || sale.now < sale.starts_at || sale.now >= sale.ends_at) {
        throw new DomainError('SALE_NOT_OPEN', 'This SKU has no queued sale open now', {
          skuId: input.skuId,
          startsAt: sale?.queued ? sale.starts_at.toISOString() : null,
          endsAt: sale?.queued ? sale.ends_at.toISOString() : null,
        });
      }
      const mine = await store.ticketOf(sale.id, userId);
      if (mine) return view(mine);
      const id = newId();
      let issued = false;
      try {
        // The sale row's lock orders the numbers: the queue is in the order the server issued them.
        // One statement, committed on its own, so the lock is held for no client round trip (joins
        // of one sale queue on it); a second ticket of the customer fails it whole (`issued` unchanged).
        await store.q(
          `WITH s AS (UPDATE catalog.sales SET issued = issued + 1 WHERE id = $1 RETURNING issued)
           INSERT INTO catalog.sale_tickets (id, sale_id, user_id, seq, quantity)
           SELECT $2, $1, $3, s.issued, $4 FROM s`,
          [sale.id, id, userId, input.quantity],
        );
        issued = true;
      } catch (e) {
        // The same customer joining twice at once: one ticket, the other answers it.
        if (!(e instanceof UniqueConstraintError)) throw e;
      }
      // The admitters (any process) sleep while no ticket waits: this one wakes them.
      if (issued)
        await bus
          .broadcast(WAKE, { saleId: sale.id })
          .catch((err: unknown) => log.warn({ err }, 'sale: wake broadcast failed (the minute look catches it)'));
      const t = await store.ticketOf(sale.id, userId);
      return view(t!);
    },

    ticket: async (userId, ticketId) => view(await ticketOf(userId, ticketId)),

    async *watch(userId, ticketId, signal) {
      yield* hub.follow(followed(await ticketOf(userId, ticketId)), signal);
    },

    async requireAdmitted(buyer, skuIds) {
      const queued = await queuedNow(skuIds);
      if (!queued.length) return;
      const tickets = buyer.type === 'user' ? await store.ticketsOfUser(buyer.id, queued) : [];
      for (const skuId of queued) {
        const t = tickets.find((x) => x.sku_id === skuId);
        const live = t?.state === 'admitted' && t.expires_at !== null && t.expires_at > t.now;
        if (!live) {
          throw new DomainError('NOT_ADMITTED', 'This SKU is in a queued sale: join the queue and wait for your turn', {
            skuId,
            ticketId: t?.id ?? null,
            state: t ? (t.state === 'admitted' ? 'expired' : t.state) : null,
          });
        }
      }
    },

    async markUsed(buyer, skuIds) {
      if (buyer.type !== 'user') return;
      const queued = await queuedNow(skuIds);
      if (!queued.length) return;
      await store.q(
        `UPDATE catalog.sale_tickets t SET used_at = now() FROM catalog.sales s
          WHERE s.id = t.sale_id AND s.sku_id = ANY($2::uuid[]) AND t.user_id = $1
            AND t.state = 'admitted' AND t.used_at IS NULL`,
        [buyer.id, queued],
      );
    },

    async admitAll() {
      let admitted = 0;
      let expired = 0;
      for (const id of await openSales()) {
        const r = await admitSale(id);
        admitted += r.admitted;
        expired += r.expired;
      }
      return { admitted, expired };
    },

    openSales,
    admitSale,

    onWake(fn) {
      const offs = [
        bus.onBroadcast(WAKE, (payload) => fn((payload as { saleId: string }).saleId)),
        bus.onBroadcast(CHANGED, () => fn(null)),
        bus.onReconnect(() => fn(null)),
      ];
      return () => offs.forEach((off) => off());
    },

    close() {
      offChanged();
      hub.close();
    },
  };
}
