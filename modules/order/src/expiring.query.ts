import { QueryTypes } from 'sequelize';
import type { Db } from '@zjmall/platform';

export interface ExpiringOrder {
  id: string;
  orderNo: string;
  expiresAt: string;
}

/**
 * Unpaid orders whose payment deadline falls within `withinSeconds` from now (database clock),
 * soonest first (for modules/notification's staff alert; the timeout canceller cancels them).
 */
export function createExpiringQuery(db: Db) {
  return async function expiringUnpaid(withinSeconds: number, limit = 1000): Promise<ExpiringOrder[]> {
    const rows = await db.query<{ id: string; order_no: string; expires_at: Date }>(
      `SELECT id, order_no, expires_at FROM "order".orders
        WHERE status = 'pending_payment' AND expires_at <= now() + make_interval(secs => $1)
        ORDER BY expires_at LIMIT $2`,
      { bind: [withinSeconds, limit], type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({ id: r.id, orderNo: r.order_no, expiresAt: r.expires_at.toISOString() }));
  };
}
