import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import type { PaymentStats } from '@zjmall/contracts';
import { client } from '../lib/client';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';
import { useAdminT } from './texts';

/** A calendar day as YYYY-MM-DD in `timeZone` (the store's, from the stats: the API counts days there). */
const day = (d: Date, timeZone?: string) => d.toLocaleDateString('en-CA', { timeZone });
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
const COLORS = ['#d9480f', '#1971c2', '#2f9e44', '#9c36b5'];

function sum(stats: PaymentStats | undefined, from: string, to: string) {
  const rows = stats?.rows.filter((r) => r.day >= from && r.day <= to) ?? [];
  return {
    count: rows.reduce((a, r) => a + r.count, 0),
    amount: rows.reduce((a, r) => a + r.amount, 0),
    refunded: rows.reduce((a, r) => a + r.refundedAmount, 0),
  };
}

/** Revenue per day, stacked by channel: a small SVG, no chart library needed for this much. */
function Chart({ stats, days }: { stats: PaymentStats; days: string[] }) {
  const { t } = useAdminT();
  const channels = [...new Set(stats.rows.map((r) => r.channel))].sort();
  const byDay = new Map(days.map((d) => [d, new Map<string, number>()]));
  for (const r of stats.rows) byDay.get(r.day)?.set(r.channel, r.amount);
  const max = Math.max(1, ...days.map((d) => [...(byDay.get(d)?.values() ?? [])].reduce((a, b) => a + b, 0)));
  const W = 640;
  const H = 180;
  const bw = W / days.length;
  return (
    <figure className="panel">
      <figcaption>
        <strong>{t('byDayChannel')}</strong>{' '}
        <span className="legend">
          {channels.map((c, i) => (
            <span key={c}>
              <i className="swatch" style={{ background: COLORS[i % COLORS.length] }} />
              {c}
            </span>
          ))}
        </span>
      </figcaption>
      <svg className="chart" viewBox={`0 0 ${W} ${H + 20}`} width="100%" role="img" aria-label={t('byDayChannel')}>
        {days.map((d, i) => {
          let y = H;
          return (
            <g key={d}>
              {channels.map((c, ci) => {
                const h = ((byDay.get(d)?.get(c) ?? 0) / max) * (H - 10);
                y -= h;
                return (
                  <rect key={c} x={i * bw + 4} y={y} width={bw - 8} height={h} fill={COLORS[ci % COLORS.length]} />
                );
              })}
              <text x={i * bw + bw / 2} y={H + 14} textAnchor="middle">
                {d.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function DashboardPage() {
  const { t, locale } = useAdminT();
  // Asked with a day to spare on each side (the browser's zone may not be the store's); the days
  // shown are the store's, in the zone the answer names.
  const from = day(daysAgo(14));
  const to = day(daysAgo(-1));
  const stats = useQuery({
    queryKey: ['admin', 'stats', from, to],
    queryFn: () => client.payment.admin.stats.query({ from, to }),
    refetchInterval: 30_000,
  });
  const tz = stats.data?.timezone;
  const today = day(new Date(), tz);
  const weekStart = day(daysAgo(6), tz);
  const days = Array.from({ length: 14 }, (_, i) => day(daysAgo(13 - i), tz));
  const low = useQuery({
    queryKey: ['admin', 'low-stock'],
    queryFn: () => client.inventory.admin.lowStock.query({ limit: 10 }),
  });
  const unpaid = useQuery({
    queryKey: ['admin', 'unpaid'],
    queryFn: () => client.order.admin.list.query({ status: 'pending_payment', limit: 50 }),
    refetchInterval: 30_000,
  });
  const todaySum = sum(stats.data, today, today);
  const weekSum = sum(stats.data, weekStart, today);
  const cur = stats.data?.currency;
  const expiring = [...(unpaid.data?.items ?? [])].sort((a, b) => a.expiresAt.localeCompare(b.expiresAt)).slice(0, 10);
  return (
    <section>
      <h1>{t('dashboard')}</h1>
      <ErrorNote error={stats.error ?? low.error ?? unpaid.error} />
      <div className="kpis">
        {(
          [
            ['today', todaySum],
            ['thisWeek', weekSum],
          ] as const
        ).map(([k, s]) => (
          <div className="kpi" key={k} data-testid={`kpi-${k}`}>
            <span className="muted">
              {t(k)} · {t('ordersPaid')}
            </span>
            <strong>{s.count}</strong>
            <span className="muted">{t('revenue')}</span> {cur && <Money value={s.amount} currency={cur} />}
            {s.refunded > 0 && cur && (
              <small>
                {' '}
                · {t('refunded')} <Money value={s.refunded} currency={cur} />
              </small>
            )}
          </div>
        ))}
      </div>
      {stats.data && <Chart stats={stats.data} days={days} />}
      <div className="cols">
        <section className="panel" aria-labelledby="low-h">
          <h2 id="low-h">{t('lowStock')}</h2>
          {low.data?.items.length ? (
            <table className="data">
              <thead>
                <tr>
                  <th>{t('sku')}</th>
                  <th className="num">{t('available')}</th>
                  <th className="num">{t('threshold')}</th>
                </tr>
              </thead>
              <tbody>
                {low.data.items.map((s) => (
                  <tr key={s.skuId}>
                    <td>
                      <Link href={`/inventory?sku=${s.skuId}`}>
                        <code>{s.skuId.slice(0, 8)}…</code>
                      </Link>
                    </td>
                    <td className="num">{s.available}</td>
                    <td className="num">{s.lowStockThreshold}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">{t('none')}</p>
          )}
        </section>
        <section className="panel" aria-labelledby="exp-h">
          <h2 id="exp-h">{t('expiringSoon')}</h2>
          {expiring.length ? (
            <table className="data">
              <thead>
                <tr>
                  <th>{t('orderNo')}</th>
                  <th>{t('expiresAt')}</th>
                  <th className="num">{t('total')}</th>
                </tr>
              </thead>
              <tbody>
                {expiring.map((o) => (
                  <tr key={o.id}>
                    <td>
                      <Link href={`/orders/${o.id}`}>{o.orderNo}</Link>
                    </td>
                    <td>{new Date(o.expiresAt).toLocaleTimeString(locale)}</td>
                    <td className="num">
                      <Money value={o.payableAmount} currency={o.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">{t('none')}</p>
          )}
        </section>
      </div>
    </section>
  );
}
