import { useEffect } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useLocation, useSearch } from 'wouter';
import type { OrderStatus } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useI18n, hasMessage } from '../lib/i18n';
import { keys } from '../lib/queries';
import { useSession } from '../lib/session';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';
import { OrderStatusBadge } from '../components/order-status';

const STATUSES: OrderStatus[] = ['pending_payment', 'paid', 'shipped', 'completed', 'cancelled'];

export function OrdersPage() {
  const { t, locale } = useI18n();
  const { token, signedIn } = useSession();
  const [, navigate] = useLocation();
  const status = (new URLSearchParams(useSearch()).get('status') ?? '') as OrderStatus | '';
  useEffect(() => {
    if (!signedIn) navigate('/signin?next=/orders', { replace: true });
  }, [signedIn, navigate]);
  const orders = useInfiniteQuery({
    queryKey: keys.orders(token, status),
    queryFn: ({ pageParam }) => client.order.list.query({ status: status || undefined, cursor: pageParam, limit: 20 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: signedIn,
  });
  if (!signedIn) return null;
  const items = orders.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="orders-h">
      <h1 id="orders-h">{t('myOrders')}</h1>
      <label>
        {t('status')}{' '}
        <select
          value={status}
          onChange={(e) => navigate(e.target.value ? `/orders?status=${e.target.value}` : '/orders')}
        >
          <option value="">{t('allStatuses')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {hasMessage(`status.${s}`) ? t(`status.${s}` as const) : s}
            </option>
          ))}
        </select>
      </label>
      <ErrorNote error={orders.error} />
      {orders.isPending ? (
        <p>{t('loading')}</p>
      ) : items.length === 0 ? (
        <p>{t('noOrders')}</p>
      ) : (
        <table className="orders">
          <thead>
            <tr>
              <th scope="col">{t('orderNo')}</th>
              <th scope="col">{t('createdAt')}</th>
              <th scope="col">{t('status')}</th>
              <th scope="col">{t('total')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((o) => (
              <tr key={o.id}>
                <td>
                  <Link href={`/orders/${o.id}`}>{o.orderNo}</Link>
                </td>
                <td>{new Date(o.createdAt).toLocaleString(locale)}</td>
                <td>
                  <OrderStatusBadge status={o.status} />
                </td>
                <td>
                  <Money value={o.payableAmount} currency={o.currency} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {orders.hasNextPage && (
        <button type="button" onClick={() => void orders.fetchNextPage()} disabled={orders.isFetchingNextPage}>
          {t('loadMore')}
        </button>
      )}
    </section>
  );
}
