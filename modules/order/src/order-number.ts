/**
 * The SQL expression of a new order number: `YYYYMMDD` (the database's now() in STORE_TIMEZONE,
 * given as the bound parameter `timeZoneParam`) + the order sequence, zero-padded to 8 digits —
 * human-readable, unique across processes (one PostgreSQL sequence) and sortable by time. Drawn in
 * the statement that inserts the order.
 */
export const ORDER_NO_SQL = (timeZoneParam: string) =>
  `to_char(now() AT TIME ZONE ${timeZoneParam}, 'YYYYMMDD') || lpad(nextval('"order".order_no_seq')::text, 8, '0')`;
