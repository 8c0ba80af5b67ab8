import { useState, type FormEvent } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useSearch } from 'wouter';
import type { AdminOrder, OrderRefundStatus, OrderStatus } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useSubmitKey } from '../lib/submit-key';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';
import { OrderStatusBadge } from '../components/order-status';
import { addressLine } from '../components/address-form';
import { useAdminT, parseMoney, moneyText, fractionDigits } from './texts';
import { useAdminActivity } from './live';

const STATUSES: OrderStatus[] = ['pending_payment', 'paid', 'shipped', 'completed', 'cancelled'];
const REFUNDS: OrderRefundStatus[] = ['none', 'partial', 'full'];

export function OrdersPage() {
  const { t, locale } = useAdminT();
  const params = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const status = (params.get('status') ?? '') as OrderStatus | '';
  const refundStatus = (params.get('refund') ?? '') as OrderRefundStatus | '';
  const orderNo = params.get('q') ?? '';
  const [q, setQ] = useState(orderNo);
  const activity = useAdminActivity();
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    navigate(`/orders?${next}`);
  };
  const orders = useInfiniteQuery({
    queryKey: ['admin', 'orders', status, refundStatus, orderNo],
    queryFn: ({ pageParam }) =>
      client.order.admin.list.query({
        status: status || undefined,
        refundStatus: refundStatus || undefined,
        orderNo: orderNo || undefined,
        cursor: pageParam,
        limit: 20,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = orders.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>
        {t('orders')}{' '}
        <small className="live-dot" role="status">
          ● {t('live')}
          {activity > 0 ? ` · ${t('newActivity')}: ${activity}` : ''}
        </small>
      </h1>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          set('q', q.trim());
        }}
      >
        <label>
          {t('orderNo')}
          <input value={q} maxLength={32} onChange={(e) => setQ(e.target.value)} />
        </label>
        <button type="submit">{t('search')}</button>
        <label>
          {t('status')}
          <select value={status} onChange={(e) => set('status', e.target.value)}>
            <option value="">{t('all')}</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          {t('refundStatus')}
          <select value={refundStatus} onChange={(e) => set('refund', e.target.value)}>
            <option value="">{t('all')}</option>
            {REFUNDS.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={orders.error} />
      <table className="data">
        <thead>
          <tr>
            <th>{t('orderNo')}</th>
            <th>{t('createdAt')}</th>
            <th>{t('customer')}</th>
            <th>{t('status')}</th>
            <th>{t('refundStatus')}</th>
            <th className="num">{t('total')}</th>
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
                <code>{o.userId.slice(0, 8)}</code>
              </td>
              <td>
                <OrderStatusBadge status={o.status} />
              </td>
              <td>{o.refundStatus}</td>
              <td className="num">
                <Money value={o.payableAmount} currency={o.currency} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {orders.hasNextPage && (
        <button type="button" onClick={() => void orders.fetchNextPage()}>
          {t('loadMore')}
        </button>
      )}
    </section>
  );
}

/** Refund part or all of a payment: items going back to stock and the amount returned (the server checks both). */
function RefundForm({ order, paymentId, refundable }: { order: AdminOrder; paymentId: string; refundable: number }) {
  const { t } = useAdminT();
  const qc = useQueryClient();
  const digits = fractionDigits(order.currency);
  const [qty, setQty] = useState<Record<string, number>>({});
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const key = useSubmitKey();
  const refund = useMutation({
    mutationFn: () => {
      const items = Object.entries(qty)
        .filter(([, q]) => q > 0)
        .map(([skuId, quantity]) => ({ skuId, quantity }));
      const minor = parseMoney(amount, digits);
      const input = { paymentId, amount: minor ?? -1, items: items.length ? items : undefined, reason: reason.trim() };
      return client.payment.admin.refund.mutate({ ...input, idempotencyKey: key.keyFor(input) });
    },
    onSuccess: () => {
      key.reset();
      setQty({});
      setAmount('');
      setReason('');
      void qc.invalidateQueries({ queryKey: ['admin'] });
    },
  });
  // The paid share of the chosen units, as a starting amount (integer arithmetic; editable).
  const fromItems = (next: Record<string, number>) => {
    const share = order.items.reduce((a, l) => a + Math.floor((l.paid * (next[l.skuId] ?? 0)) / l.quantity), 0);
    if (share > 0) setAmount(moneyText(Math.min(share, refundable), digits));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    refund.mutate();
  };
  return (
    <form className="panel" onSubmit={submit} aria-label={t('refund')}>
      <h3>
        {t('refund')} · {t('refundable')} <Money value={refundable} currency={order.currency} />
      </h3>
      <p className="muted">{t('refundByItems')}</p>
      <div className="form-grid">
        {order.items.map((l) => {
          const max = l.quantity - l.refundedQuantity;
          return (
            <label key={l.skuId}>
              {l.productName} {Object.values(l.spec).join(' ')} (≤ {max})
              <input
                type="number"
                min={0}
                max={max}
                value={qty[l.skuId] ?? 0}
                onChange={(e) => {
                  const next = {
                    ...qty,
                    [l.skuId]: Math.max(0, Math.min(max, Math.trunc(Number(e.target.value) || 0))),
                  };
                  setQty(next);
                  fromItems(next);
                }}
              />
            </label>
          );
        })}
        <label>
          {t('refundAmount')}
          <input inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.target.value)} />
        </label>
        <label>
          {t('reason')}
          <input required maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
      </div>
      <ErrorNote error={refund.error} />
      <button type="submit" disabled={refund.isPending}>
        {t('refund')}
      </button>
    </form>
  );
}

export function OrderDetailPage({ id }: { id: string }) {
  const { t, locale } = useAdminT();
  const qc = useQueryClient();
  useAdminActivity();
  const order = useQuery({ queryKey: ['admin', 'order', id], queryFn: () => client.order.admin.get.query({ id }) });
  const payments = useQuery({
    queryKey: ['admin', 'payments', id],
    queryFn: () => client.payment.admin.forOrder.query({ orderId: id }),
  });
  const [carrier, setCarrier] = useState('');
  const [trackingNo, setTrackingNo] = useState('');
  const [cancelReason, setCancelReason] = useState('');
  const done = (o: AdminOrder) => {
    qc.setQueryData(['admin', 'order', id], o);
    void qc.invalidateQueries({ queryKey: ['admin', 'orders'] });
  };
  const ship = useMutation({
    mutationFn: () => client.order.admin.ship.mutate({ id, carrier: carrier.trim(), trackingNo: trackingNo.trim() }),
    onSuccess: done,
  });
  const complete = useMutation({ mutationFn: () => client.order.admin.complete.mutate({ id }), onSuccess: done });
  const cancel = useMutation({
    mutationFn: () => client.order.admin.cancel.mutate({ id, reason: cancelReason.trim() }),
    onSuccess: done,
  });
  if (order.isPending) return <p>…</p>;
  if (order.error) return <ErrorNote error={order.error} />;
  const o = order.data;
  return (
    <article>
      <p>
        <Link href="/orders">← {t('orders')}</Link>
      </p>
      <h1>
        {t('orderNo')} {o.orderNo} <OrderStatusBadge status={o.status} />{' '}
        <small className="muted">{o.refundStatus !== 'none' ? `${t('refundStatus')}: ${o.refundStatus}` : ''}</small>
      </h1>
      <div className="cols">
        <section className="panel">
          <h2>{t('items')}</h2>
          <table className="data">
            <tbody>
              {o.items.map((l) => (
                <tr key={l.skuId}>
                  <td>
                    {l.productName} <small className="muted">{Object.values(l.spec).join(' · ')}</small>
                  </td>
                  <td className="num">
                    × {l.quantity}
                    {l.refundedQuantity > 0 ? ` (−${l.refundedQuantity})` : ''}
                  </td>
                  <td className="num">
                    <Money value={l.paid} currency={o.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            {t('total')} <Money value={o.payableAmount} currency={o.currency} className="price" />
            {o.refundedAmount > 0 && (
              <>
                {' '}
                · {t('refunded')} <Money value={o.refundedAmount} currency={o.currency} />
              </>
            )}
          </p>
          <h2>{t('address')}</h2>
          <p>{addressLine(o.address)}</p>
          {o.carrier && (
            <p>
              {t('carrier')}: {o.carrier} · {t('trackingNo')}: {o.trackingNo}
            </p>
          )}
        </section>
        <section className="panel">
          {o.status === 'paid' && o.refundStatus !== 'full' && (
            <form
              className="stack"
              onSubmit={(e) => {
                e.preventDefault();
                ship.mutate();
              }}
            >
              <h2>{t('ship')}</h2>
              <label>
                {t('carrier')}
                <input required maxLength={50} value={carrier} onChange={(e) => setCarrier(e.target.value)} />
              </label>
              <label>
                {t('trackingNo')}
                <input required maxLength={100} value={trackingNo} onChange={(e) => setTrackingNo(e.target.value)} />
              </label>
              <ErrorNote error={ship.error} />
              <button type="submit" disabled={ship.isPending}>
                {t('ship')}
              </button>
            </form>
          )}
          {o.status === 'shipped' && (
            <>
              <ErrorNote error={complete.error} />
              <button type="button" onClick={() => complete.mutate()} disabled={complete.isPending}>
                {t('complete')}
              </button>
            </>
          )}
          {o.status === 'pending_payment' && (
            <form
              className="stack"
              onSubmit={(e) => {
                e.preventDefault();
                cancel.mutate();
              }}
            >
              <h2>{t('cancelOrder')}</h2>
              <label>
                {t('reason')}
                <input
                  required
                  maxLength={200}
                  value={cancelReason}
                  onChange={(e) => setCancelReason(e.target.value)}
                />
              </label>
              <ErrorNote error={cancel.error} />
              <button type="submit" disabled={cancel.isPending}>
                {t('cancelOrder')}
              </button>
            </form>
          )}
          <h2>{t('log')}</h2>
          <ol className="log">
            {o.log.map((l, i) => (
              <li key={i}>
                {new Date(l.at).toLocaleString(locale)} · {l.from ?? '—'} → {l.to} · {l.actor}
                {l.reason ? ` · ${l.reason}` : ''}
              </li>
            ))}
          </ol>
        </section>
      </div>
      <section className="panel">
        <h2>{t('payments')}</h2>
        <ErrorNote error={payments.error} />
        <table className="data">
          <thead>
            <tr>
              <th>{t('channel')}</th>
              <th>{t('status')}</th>
              <th className="num">{t('amount')}</th>
              <th className="num">{t('refunded')}</th>
              <th>{t('createdAt')}</th>
            </tr>
          </thead>
          <tbody>
            {payments.data?.map((p) => (
              <tr key={p.id}>
                <td>{p.channel}</td>
                <td data-payment-status={p.status}>{p.status}</td>
                <td className="num">
                  <Money value={p.amount} currency={p.currency} />
                </td>
                <td className="num">
                  <Money value={p.refundedAmount} currency={p.currency} />
                </td>
                <td>{new Date(p.createdAt).toLocaleString(locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {payments.data?.flatMap((p) => p.refunds).length ? (
          <>
            <h3>{t('refunds')}</h3>
            <ul>
              {payments.data.flatMap((p) =>
                p.refunds.map((r) => (
                  <li key={r.id}>
                    {new Date(r.createdAt).toLocaleString(locale)} · <Money value={r.amount} currency={o.currency} /> ·{' '}
                    {r.reason}
                    {r.status !== 'succeeded' && ` · ${t(r.status === 'pending' ? 'refundPending' : 'refundFailed')}`}
                    {r.items.length > 0 &&
                      ` · ${r.items.map((i) => `${i.skuId.slice(0, 8)}×${i.quantity}`).join(', ')}`}
                  </li>
                )),
              )}
            </ul>
          </>
        ) : null}
        {payments.data
          ?.filter((p) => (p.status === 'succeeded' || p.status === 'partially_refunded') && p.refundableAmount > 0)
          .map((p) => (
            <RefundForm key={p.id} order={o} paymentId={p.id} refundable={p.refundableAmount} />
          ))}
      </section>
    </article>
  );
}
