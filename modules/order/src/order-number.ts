import { QueryTypes, type Transaction } from 'sequelize';
import type { Db } from '@zjmall/platform';

/**
 * `YYYYMMDD` (the database's now() in STORE_TIMEZONE) + the order sequence, zero-padded to 8
 * digits: human-readable, unique across processes (one PostgreSQL sequence) and sortable by time.
 */
export async function nextOrderNo(db: Db, tx: Transaction, timeZone: string): Promise<string> {
  const [r] = await db.query<{ no: string }>(
    `SELECT to_char(now() AT TIME ZONE $1, 'YYYYMMDD') || lpad(nextval('"order".order_no_seq')::text, 8, '0') AS no`,
    { bind: [timeZone], type: QueryTypes.SELECT, transaction: tx },
  );
  return r.no;
}
