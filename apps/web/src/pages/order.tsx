import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import type { Order } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useSubmitKey } from '../lib/submit-key';
import { useI18n } from '../lib/i18n';
import { appCodeOf } from '../lib/errors';
import { keys } from '../lib/queries';
import { useSession } from '../lib/session';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';
import { OrderStatusBadge } from '../components/order-status';
import { addressLine } from '../components/address-form';

/** Pay a pending order: the provider's page comes back here, and the status below (pushed by the server) says whether it was paid. */
function PayBox({ order }: { order: Order }) {
  const { t } = useI18n();
  const channels = useQuery({
    queryKey: keys.channels,
    queryFn: () => client.payment.channels.query(),
    staleTime: 300_000,
  });
  const [channel, setChannel] = useState<string | null>(null);
  const [, navigate] = useLocation();
  const attempt = useSubmitKey();
  const chosen = channel ?? channels.data?.[0]?.channel ?? null;
  const pay = useMutation({
    mutationFn: (ch: string) => {
      return client.payment.create.mutate({
        orderId: order.id,
        channel: ch as Parameters<typeof client.payment.create.mutate>[0]['channel'],
        idempotencyKey: attempt.keyFor(ch),
        returnUrl: `/orders/${order.id}`,
        // Alipay: the WAP page on a touch screen, the PC page otherwise.
        device: window.matchMedia('(pointer: coarse)').matches ? 'mobile' : 'desktop',
      });
    },
    // WeChat Pay's payUrl is this shop's own pay page (the QR code): an in-app navigation.
    onSuccess: (p) => (p.qrCode ? navigate(`/pay/${p.id}`) : window.location.assign(p.payUrl)),
  });
  return (
    <section className="pay" aria-labelledby="pay-h">
      <h2 id="pay-h">{t('paymentChannel')}</h2>
      <ErrorNote error={channels.error} />
      {channels.data?.map((c) => (
        <label key={c.channel} className="radio">
          <input
            type="radio"
            name="channel"
            value={c.channel}
            checked={chosen === c.channel}
            onChange={() => setChannel(c.channel)}
          />{' '}
          {c.name}
        </label>
      ))}
      <ErrorNote error={pay.error} />
      <button
        type="button"
        className="primary"
        disabled={!chosen || pay.isPending}
        onClick={() => chosen && pay.mutate(chosen)}
      >
        {t('pay')} <Money value={order.payableAmount} currency={order.currency} />
      </button>
    </section>
  );
}

export function OrderPage({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const { token, signedIn } = useSession();
  const qc = useQueryClient();
  const key = keys.order(token, id);
  const q = useQuery({ queryKey: key, queryFn: () => client.order.get.query({ id }), enabled: signedIn });
  const loaded = q.isSuccess;

  // Live status: the server pushes every change (the first message is the status now). The page
  // never trusts the provider's return alone: it shows "paid" when the order is paid.
  useEffect(() => {
    if (!loaded || !token) return;
    const sub = client.order.onStatus.subscribe(
      { id },
      {
        onData: (change) => {
          const k = keys.order(token, id);
          const cur = qc.getQueryData<Order>(k);
          const moved =
            cur &&
            (cur.status !== change.status ||
              cur.refundStatus !== change.refundStatus ||
              cur.refundedAmount !== change.refundedAmount);
          if (moved) void qc.invalidateQueries({ queryKey: k });
        },
      },
    );
    return () => sub.unsubscribe();
  }, [loaded, token, id, qc]);

  const cancel = useMutation({
    mutationFn: () => client.order.cancel.mutate({ id }),
    onSuccess: (o) => qc.setQueryData(key, o),
  });

  if (!signedIn) {
    return (
      <p>
        <Link href={`/signin?next=/orders/${id}`}>{t('signIn')}</Link>
      </p>
    );
  }
  if (q.isPending) return <p>{t('loading')}</p>;
  if (q.error) {
    const nf = appCodeOf(q.error) === 'ORDER_NOT_FOUND' || /BAD_REQUEST/.test(String(q.error));
    return nf ? <h1>{t('orderNotFound')}</h1> : <ErrorNote error={q.error} />;
  }
  const o = q.data;
  const pending = o.status === 'pending_payment';
  return (
    <article className="order" aria-labelledby="order-h">
      <h1 id="order-h">
        {t('order')} {o.orderNo}
      </h1>
      <p className="order-status" aria-live="polite">
        {t('status')}: <OrderStatusBadge status={o.status} />
        {o.paidAt && (
          <small>
            {' '}
            · {t('paidAt')} {new Date(o.paidAt).toLocaleString(locale)}
          </small>
        )}
      </p>
      {o.refundStatus !== 'none' && (
        <p className="warn" data-refund={o.refundStatus}>
          {t(o.refundStatus === 'full' ? 'refund.full' : 'refund.partial')}:{' '}
          <Money value={o.refundedAmount} currency={o.currency} />
        </p>
      )}
      {pending && <p>{t('payBefore', { at: new Date(o.expiresAt).toLocaleString(locale) })}</p>}
      {pending && <PayBox order={o} />}
      {pending && (
        <p>
          <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            {t('cancelOrder')}
          </button>
        </p>
      )}
      <ErrorNote error={cancel.error} />
      <h2>{t('orderItems')}</h2>
      <ul className="summary">
        {o.items.map((i) => (
          <li key={i.skuId}>
            {i.image && <img src={i.image} alt="" width={48} height={48} />}{' '}
            <Link href={`/products/${i.productId}`}>{i.productName}</Link>{' '}
            <small className="muted">
              {Object.values(i.spec).join(' · ')} × {i.quantity}
            </small>{' '}
            <Money value={i.paid} currency={o.currency} />
          </li>
        ))}
      </ul>
      <dl className="totals">
        <dt>{t('subtotal')}</dt>
        <dd>
          <Money value={o.itemsAmount} currency={o.currency} />
        </dd>
        {o.discountAmount > 0 && (
          <>
            <dt>{t('discount')}</dt>
            <dd>
              −<Money value={o.discountAmount} currency={o.currency} />
            </dd>
          </>
        )}
        <dt>{t('shipping')}</dt>
        <dd>
          <Money value={o.shippingAmount} currency={o.currency} />
        </dd>
        <dt>{t('total')}</dt>
        <dd>
          <Money value={o.payableAmount} currency={o.currency} className="price" />
        </dd>
      </dl>
      <h2>{t('deliverTo')}</h2>
      <p>{addressLine(o.address)}</p>
      {o.carrier && (
        <p>
          {t('tracking')}: {o.carrier} {o.trackingNo}
        </p>
      )}
      <h2>{t('orderLog')}</h2>
      <ol className="log">
        {o.log.map((l, i) => (
          <li key={i}>
            {new Date(l.at).toLocaleString(locale)} · <OrderStatusBadge status={l.to} />
            {l.reason ? ` · ${l.reason}` : ''}
          </li>
        ))}
      </ol>
    </article>
  );
}
