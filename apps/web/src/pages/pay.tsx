import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import QRCode from 'qrcode';
import { client } from '../lib/client';
import { useI18n } from '../lib/i18n';
import { useSession } from '../lib/session';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';

/**
 * `/pay/:paymentId`: WeChat Pay Native's page — the payment's `code_url` as a QR code, made in the
 * browser (qrcode; this page is its own chunk, so the storefront's first load does not carry it).
 * It never trusts the scan: it asks for the payment until the server says it succeeded (the notify
 * or the reconciliation query), then goes to the order.
 */
export default function PayPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { signedIn } = useSession();
  const [, navigate] = useLocation();
  const q = useQuery({
    queryKey: ['payment', id],
    queryFn: () => client.payment.get.query({ id }),
    enabled: signedIn,
    refetchInterval: (query) => (query.state.data?.status === 'pending' ? 3000 : false),
  });
  const [qr, setQr] = useState<string | null>(null);
  const code = q.data?.qrCode ?? null;
  useEffect(() => {
    if (!code) return;
    let live = true;
    void QRCode.toString(code, { type: 'svg', margin: 1, width: 240 }).then((svg) => {
      if (live) setQr(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    });
    return () => {
      live = false;
    };
  }, [code]);
  const orderId = q.data?.orderId;
  const paid = q.data?.status === 'succeeded';
  useEffect(() => {
    if (paid && orderId) navigate(`/orders/${orderId}`);
  }, [paid, orderId, navigate]);

  if (!signedIn) return <Link href={`/signin?next=/pay/${id}`}>{t('signIn')}</Link>;
  if (q.isPending) return <p>{t('loading')}</p>;
  if (q.error) return <ErrorNote error={q.error} />;
  const p = q.data;
  return (
    <article className="pay-page" aria-labelledby="pay-page-h">
      <h1 id="pay-page-h">
        {t('pay')} <Money value={p.amount} currency={p.currency} />
      </h1>
      {p.status === 'pending' && p.qrCode ? (
        <>
          <p>{t('payScan')}</p>
          {qr && <img src={qr} width={240} height={240} alt={t('payScan')} />}
          <p>{t('payWaiting')}</p>
        </>
      ) : p.status === 'pending' ? (
        <a className="primary" href={p.payUrl}>
          {t('payOpenProvider')}
        </a>
      ) : (
        <p>{p.status === 'succeeded' ? t('payDone') : p.status}</p>
      )}
      <p>
        <Link href={`/orders/${p.orderId}`}>{t('payBackToOrder')}</Link>
      </p>
    </article>
  );
}
