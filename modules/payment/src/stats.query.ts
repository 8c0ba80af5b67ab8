import type { PaymentStats, PaymentStatsInput } from '@zjmall/contracts';
import { select, type PaymentDeps } from './payment.deps';

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);

/**
 * `payment.admin.stats`: money taken, by calendar day (STORE_TIMEZONE) of the payment and channel.
 * Plain dates are whole days in the store's zone (`to` included); date-times are instants [from, to).
 */
export function statsQuery(deps: PaymentDeps) {
  const { db, config } = deps;
  return async function stats(input: PaymentStatsInput): Promise<PaymentStats> {
    const tz = config.STORE_TIMEZONE;
    const rows = await select<{
      day: string;
      channel: PaymentStats['rows'][number]['channel'];
      count: number;
      amount: number;
      refunded_amount: number;
    }>(
      db,
      `WITH b AS (
         SELECT CASE WHEN $4 THEN ($1::date)::timestamp AT TIME ZONE $3 ELSE $1::timestamptz END AS lo,
                CASE WHEN $5 THEN ($2::date + 1)::timestamp AT TIME ZONE $3 ELSE $2::timestamptz END AS hi)
       SELECT to_char(p.paid_at AT TIME ZONE $3, 'YYYY-MM-DD') AS day, p.channel, count(*)::int AS count,
              sum(p.amount)::bigint AS amount, sum(p.refunded_amount)::bigint AS refunded_amount
         FROM payment.payments p, b
        WHERE p.paid_at >= b.lo AND p.paid_at < b.hi
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [input.from, input.to, tz, isDate(input.from), isDate(input.to)],
    );
    const out = rows.map((r) => ({
      day: r.day,
      channel: r.channel,
      count: r.count,
      amount: r.amount,
      refundedAmount: r.refunded_amount,
    }));
    return {
      from: input.from,
      to: input.to,
      currency: config.STORE_CURRENCY,
      timezone: tz,
      rows: out,
      totals: out.reduce(
        (t, r) => ({
          count: t.count + r.count,
          amount: t.amount + r.amount,
          refundedAmount: t.refundedAmount + r.refundedAmount,
        }),
        {
          count: 0,
          amount: 0,
          refundedAmount: 0,
        },
      ),
    };
  };
}
