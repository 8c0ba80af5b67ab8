import { QueryTypes, type Transaction } from 'sequelize';
import type { SaleTicketState } from '@zjmall/contracts';
import type { Db } from '@zjmall/platform';

export interface SaleRow {
  id: string;
  sku_id: string;
  starts_at: Date;
  ends_at: Date;
  queued: boolean;
  issued: number;
  sold_out: boolean;
  credit_at: Date | null;
  now: Date;
}

export interface TicketRow {
  id: string;
  sale_id: string;
  sku_id: string;
  user_id: string;
  seq: number;
  quantity: number;
  state: SaleTicketState;
  created_at: Date;
  admitted_at: Date | null;
  expires_at: Date | null;
  /** Lowest number still queued in this ticket's sale (null: none). */
  head: number | null;
  now: Date;
}

/** A sale's queue after a pass: what decides when its next pass is due. */
export interface SaleStatus {
  queued: boolean;
  waiting: number;
  sold_out: number;
  /** Milliseconds until the earliest admitted ticket's grace ends (null: none admitted). */
  expiry_in_ms: number | null;
  /** Milliseconds until the window ends (negative: ended). */
  end_in_ms: number;
}

const TICKET = `SELECT t.id, t.sale_id, s.sku_id, t.user_id, t.seq, t.quantity, t.state, t.created_at, t.admitted_at,
       t.expires_at, now() AS now,
       (SELECT min(q.seq) FROM catalog.sale_tickets q WHERE q.sale_id = t.sale_id AND q.state IN ('waiting', 'sold_out')) AS head
  FROM catalog.sale_tickets t JOIN catalog.sales s ON s.id = t.sale_id`;

/** The SQL of queued sales (catalog.sales, catalog.sale_tickets); every statement bound. */
export function createSaleStore(db: Db) {
  const q = <T extends object>(sql: string, bind: unknown[], transaction?: Transaction) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT, transaction });

  return {
    q,
    async saleOfSku(skuId: string, tx?: Transaction): Promise<SaleRow | null> {
      const [r] = await q<SaleRow>(`SELECT *, now() AS now FROM catalog.sales WHERE sku_id = $1`, [skuId], tx);
      return r ?? null;
    },
    async ticket(id: string, tx?: Transaction): Promise<TicketRow | null> {
      const [r] = await q<TicketRow>(`${TICKET} WHERE t.id = $1`, [id], tx);
      return r ?? null;
    },
    async ticketOf(saleId: string, userId: string, tx?: Transaction): Promise<TicketRow | null> {
      const [r] = await q<TicketRow>(`${TICKET} WHERE t.sale_id = $1 AND t.user_id = $2`, [saleId, userId], tx);
      return r ?? null;
    },
    /** Queued sales whose window is open now (or ended less than `afterSeconds` ago: admissions still lapse). */
    async ticking(afterSeconds: number): Promise<{ id: string }[]> {
      return q(
        `SELECT id FROM catalog.sales
          WHERE queued AND starts_at <= now() AND ends_at + make_interval(secs => $1) > now()`,
        [afterSeconds],
      );
    },
    /** The sale's queue (null: no such sale), on the database's clock. */
    async status(saleId: string): Promise<SaleStatus | null> {
      const [r] = await q<SaleStatus>(
        `SELECT s.queued,
                count(t.id) FILTER (WHERE t.state = 'waiting')::int AS waiting,
                count(t.id) FILTER (WHERE t.state = 'sold_out')::int AS sold_out,
                (extract(epoch FROM min(t.expires_at) FILTER (WHERE t.state = 'admitted') - now()) * 1000)::float8
                  AS expiry_in_ms,
                (extract(epoch FROM s.ends_at - now()) * 1000)::float8 AS end_in_ms
           FROM catalog.sales s LEFT JOIN catalog.sale_tickets t ON t.sale_id = s.id
          WHERE s.id = $1
          GROUP BY s.id`,
        [saleId],
      );
      return r ?? null;
    },
    /** SKUs with a queued sale not over yet (the add/checkout gate's memo). */
    async queuedSkus(): Promise<{ sku_id: string; starts_at: Date; ends_at: Date }[]> {
      return q(`SELECT sku_id, starts_at, ends_at FROM catalog.sales WHERE queued AND ends_at > now()`, []);
    },
    /** The caller's tickets of these SKUs' sales, with the database's clock. */
    async ticketsOfUser(
      userId: string,
      skuIds: string[],
    ): Promise<{ sku_id: string; id: string; state: SaleTicketState; expires_at: Date | null; now: Date }[]> {
      return q(
        `SELECT s.sku_id, t.id, t.state, t.expires_at, now() AS now
           FROM catalog.sales s JOIN catalog.sale_tickets t ON t.sale_id = s.id AND t.user_id = $1
          WHERE s.sku_id = ANY($2::uuid[])`,
        [userId, skuIds],
      );
    },
  };
}

export type SaleStore = ReturnType<typeof createSaleStore>;
