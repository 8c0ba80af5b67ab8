import type { Transaction } from 'sequelize';
import type { SaleStore } from './sale.store';

/** What one admission pass changed, broadcast to every process's `sale.onTicket` streams. */
export interface SaleTick {
  saleId: string;
  /** Lowest ticket number still queued after the pass (null: nobody queued). */
  head: number | null;
  admitted: { id: string; expiresAt: string }[];
  /** Admitted tickets whose grace passed. */
  expired: string[];
  /** The waiters were told sold out in this pass / told units came back. */
  soldOut: boolean;
  restocked: boolean;
  /** The window is over: every ticket still queued has expired. */
  ended: boolean;
}

export interface AdmitParams {
  rate: number;
  graceSeconds: number;
  available: (skuId: string, tx: Transaction) => Promise<number>;
}

/**
 * One admission pass over one sale, in the caller's transaction; null when another process holds
 * the sale's pass (advisory lock) or nothing changed. Tickets leave the queue strictly in issue order:
 * the longest prefix whose quantities fit in the stock not yet promised to admitted tickets that have
 * not added yet (the head alone when nobody is admitted), at most what the token bucket allows. No
 * stock at all (on hand − reserved = 0): every waiter is told at once (and, while it lasts, each
 * ticket issued since the last pass); stock back: they wait again.
 */
export async function admitPass(
  store: SaleStore,
  tx: Transaction,
  saleId: string,
  p: AdmitParams,
): Promise<(SaleTick & { waits: number[] }) | null> {
  const [lock] = await store.q<{ ok: boolean }>(
    `SELECT pg_try_advisory_xact_lock(hashtextextended('zjmall.sale:' || $1, 0)) AS ok`,
    [saleId],
    tx,
  );
  if (!lock.ok) return null;
  const [sale] = await store.q<{
    sku_id: string;
    sold_out: boolean;
    ended: boolean;
    now: Date;
    credit_at: Date | null;
  }>(
    `SELECT sku_id, sold_out, ends_at <= now() AS ended, now() AS now, credit_at FROM catalog.sales WHERE id = $1`,
    [saleId],
    tx,
  );
  if (!sale) return null;
  const expired = (
    await store.q<{ id: string }>(
      `UPDATE catalog.sale_tickets SET state = 'expired'
        WHERE sale_id = $1 AND state = 'admitted' AND expires_at <= now() RETURNING id`,
      [saleId],
      tx,
    )
  ).map((r) => r.id);
  const tick: SaleTick & { waits: number[] } = {
    saleId,
    head: null,
    admitted: [],
    expired,
    soldOut: false,
    restocked: false,
    ended: false,
    waits: [],
  };
  if (sale.ended) {
    const [{ n }] = await store.q<{ n: number }>(
      `WITH e AS (UPDATE catalog.sale_tickets SET state = 'expired'
                   WHERE sale_id = $1 AND state IN ('waiting', 'sold_out') RETURNING 1)
       SELECT count(*)::int AS n FROM e`,
      [saleId],
      tx,
    );
    tick.ended = n > 0;
    return expired.length || tick.ended ? tick : null;
  }

  const available = await p.available(sale.sku_id, tx);
  let soldOut = sale.sold_out;
  if (available <= 0) {
    // Every waiter is told at once; while sold out, so is each ticket issued since the last pass.
    const [{ n }] = await store.q<{ n: number }>(
      `WITH s AS (UPDATE catalog.sale_tickets SET state = 'sold_out' WHERE sale_id = $1 AND state = 'waiting' RETURNING 1)
       SELECT count(*)::int AS n FROM s`,
      [saleId],
      tx,
    );
    tick.soldOut = !soldOut || n > 0;
    soldOut = true;
  } else if (available > 0 && soldOut) {
    await store.q(
      `UPDATE catalog.sale_tickets SET state = 'waiting' WHERE sale_id = $1 AND state = 'sold_out'`,
      [saleId],
      tx,
    );
    soldOut = false;
    tick.restocked = true;
  }

  // Token bucket on the database clock: `credit_at` moves forward by 1/rate per admission.
  const now = sale.now.getTime();
  const from = Math.max(sale.credit_at?.getTime() ?? 0, now - 1000);
  const tokens = Math.floor(((now - from) / 1000) * p.rate);
  let admittedCount = 0;
  if (!soldOut && tokens > 0) {
    const [{ pending }] = await store.q<{ pending: number }>(
      `SELECT coalesce(sum(quantity), 0)::int AS pending FROM catalog.sale_tickets
        WHERE sale_id = $1 AND state = 'admitted' AND used_at IS NULL`,
      [saleId],
      tx,
    );
    const budget = available - pending;
    if (budget > 0) {
      const rows = await store.q<{ id: string; expires_at: Date; wait: number }>(
        `WITH queue AS (
           SELECT id, seq, sum(quantity) OVER (ORDER BY seq) AS run, row_number() OVER (ORDER BY seq) AS n
             FROM (SELECT id, seq, quantity FROM catalog.sale_tickets
                    WHERE sale_id = $1 AND state = 'waiting' ORDER BY seq LIMIT $2) w)
         UPDATE catalog.sale_tickets t
            SET state = 'admitted', admitted_at = now(), expires_at = now() + make_interval(secs => $4)
           FROM queue
          WHERE t.id = queue.id AND (queue.run <= $3 OR (queue.n = 1 AND $5::boolean))
         RETURNING t.id, t.expires_at, extract(epoch FROM now() - t.created_at)::float8 AS wait`,
        [saleId, tokens, budget, p.graceSeconds, pending === 0],
        tx,
      );
      admittedCount = rows.length;
      tick.admitted = rows.map((r) => ({ id: r.id, expiresAt: r.expires_at.toISOString() }));
      tick.waits = rows.map((r) => r.wait);
    }
  }
  const creditAt = new Date(from + (admittedCount * 1000) / p.rate);
  await store.q(
    `UPDATE catalog.sales SET sold_out = $2, credit_at = $3 WHERE id = $1`,
    [saleId, soldOut, creditAt],
    tx,
  );
  const [{ head }] = await store.q<{ head: number | null }>(
    `SELECT min(seq) AS head FROM catalog.sale_tickets WHERE sale_id = $1 AND state IN ('waiting', 'sold_out')`,
    [saleId],
    tx,
  );
  tick.head = head;
  const changed = admittedCount || expired.length || tick.soldOut || tick.restocked;
  return changed ? tick : null;
}
