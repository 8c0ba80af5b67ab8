import { useState, type FormEvent } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation, useSearch } from 'wouter';
import type { AdminStock, AdjustMode, LedgerType } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useSubmitKey } from '../lib/submit-key';
import { ErrorNote } from '../components/error-note';
import { isoFromLocal, useAdminT } from './texts';

const MODES: AdjustMode[] = ['ADD', 'SUBTRACT', 'SET'];

function StockRow({ s, label }: { s: AdminStock; label: string }) {
  const { t } = useAdminT();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [mode, setMode] = useState<AdjustMode>('ADD');
  const [quantity, setQuantity] = useState('1');
  const [reason, setReason] = useState('');
  const [threshold, setThreshold] = useState(String(s.lowStockThreshold));
  const key = useSubmitKey();
  const refresh = () => void qc.invalidateQueries({ queryKey: ['admin', 'stock'] });
  const adjust = useMutation({
    mutationFn: () => {
      const input = { skuId: s.skuId, mode, quantity: Math.trunc(Number(quantity)), reason: reason.trim() };
      return client.inventory.admin.adjust.mutate({ ...input, idempotencyKey: key.keyFor(input) });
    },
    onSuccess: () => {
      key.reset();
      setReason('');
      refresh();
    },
  });
  const setTh = useMutation({
    mutationFn: () =>
      client.inventory.admin.setThreshold.mutate({ skuId: s.skuId, threshold: Math.trunc(Number(threshold)) }),
    onSuccess: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    adjust.mutate();
  };
  return (
    <tr data-sku={s.skuId}>
      <td>
        <button type="button" className="link" onClick={() => navigate(`/inventory?sku=${s.skuId}`)}>
          {label}
        </button>
      </td>
      <td className="num" data-field="onHand">
        {s.onHand}
      </td>
      <td className="num">{s.reserved}</td>
      <td className="num">{s.available}</td>
      <td>{s.status}</td>
      <td>
        <form className="toolbar" onSubmit={submit} aria-label={`${t('adjust')}: ${label}`}>
          <select aria-label={t('mode')} value={mode} onChange={(e) => setMode(e.target.value as AdjustMode)}>
            {MODES.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
          <input
            aria-label={t('quantity')}
            type="number"
            min={0}
            value={quantity}
            onChange={(e) => setQuantity(e.target.value)}
          />
          <input
            aria-label={t('reason')}
            required
            maxLength={200}
            placeholder={t('reason')}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <button type="submit">{t('adjust')}</button>
        </form>
        <ErrorNote error={adjust.error} />
      </td>
      <td>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            setTh.mutate();
          }}
        >
          <input
            aria-label={`${t('threshold')}: ${label}`}
            type="number"
            min={0}
            value={threshold}
            onChange={(e) => setThreshold(e.target.value)}
          />
          <button type="submit">{t('setThreshold')}</button>
        </form>
        <ErrorNote error={setTh.error} />
      </td>
    </tr>
  );
}

const LEDGER_TYPES: LedgerType[] = ['IN', 'OUT', 'RESERVE', 'RELEASE', 'ADJUST'];

function Ledger({ skuId }: { skuId: string }) {
  const { t, locale } = useAdminT();
  const [type, setType] = useState<LedgerType | ''>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const filter = { types: type ? [type] : undefined, from: isoFromLocal(from), to: isoFromLocal(to) };
  const ledger = useInfiniteQuery({
    queryKey: ['admin', 'stock', 'ledger', skuId, filter],
    queryFn: ({ pageParam }) =>
      client.inventory.admin.transactions.query({ skuId, ...filter, cursor: pageParam, limit: 20 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = ledger.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="panel" aria-labelledby="ledger-h">
      <h2 id="ledger-h">
        {t('ledger')} <code>{skuId}</code>
      </h2>
      <div className="toolbar">
        <label>
          {t('type')}
          <select value={type} onChange={(e) => setType(e.target.value as LedgerType | '')}>
            <option value="">{t('all')}</option>
            {LEDGER_TYPES.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </label>
        <label>
          {t('startsAt')}
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t('endsAt')}
          <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      <ErrorNote error={ledger.error} />
      <table className="data" data-testid="ledger">
        <thead>
          <tr>
            <th>{t('createdAt')}</th>
            <th>{t('type')}</th>
            <th className="num">{t('quantity')}</th>
            <th className="num">
              {t('onHand')} {t('before')}→{t('after')}
            </th>
            <th className="num">
              {t('reserved')} {t('before')}→{t('after')}
            </th>
            <th>{t('operator')}</th>
            <th>{t('reason')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id}>
              <td>{new Date(e.createdAt).toLocaleString(locale)}</td>
              <td>{e.type}</td>
              <td className="num">{e.quantity}</td>
              <td className="num">
                {e.onHandBefore}→{e.onHandAfter}
              </td>
              <td className="num">
                {e.reservedBefore}→{e.reservedAfter}
              </td>
              <td>
                <code>{e.operator.slice(0, 8)}</code>
              </td>
              <td>
                {e.reason}
                {e.refType !== 'MANUAL' && e.refId ? ` (${e.refType} ${e.refId.slice(0, 8)})` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {ledger.hasNextPage && (
        <button type="button" onClick={() => void ledger.fetchNextPage()}>
          {t('loadMore')}
        </button>
      )}
    </section>
  );
}

function BatchAdjust() {
  const { t } = useAdminT();
  const qc = useQueryClient();
  const [lines, setLines] = useState('');
  const [reason, setReason] = useState('');
  const key = useSubmitKey();
  const run = useMutation({
    mutationFn: () => {
      const items = lines
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => {
          const [skuId, mode, quantity] = l.split(/[\s,]+/);
          return { skuId, mode: (mode ?? '').toUpperCase() as AdjustMode, quantity: Math.trunc(Number(quantity)) };
        });
      const input = { items, reason: reason.trim() };
      return client.inventory.admin.adjustMany.mutate({ ...input, idempotencyKey: key.keyFor(input) });
    },
    onSuccess: () => {
      key.reset();
      void qc.invalidateQueries({ queryKey: ['admin', 'stock'] });
    },
  });
  return (
    <form
      className="panel"
      aria-label={t('batchAdjust')}
      onSubmit={(e) => {
        e.preventDefault();
        run.mutate();
      }}
    >
      <h2>{t('batchAdjust')}</h2>
      <label className="block">
        {t('batchHint')}
        <textarea required value={lines} onChange={(e) => setLines(e.target.value)} />
      </label>
      <label>
        {t('reason')} <input required maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>{' '}
      <button type="submit" disabled={run.isPending}>
        {t('apply')}
      </button>
      <ErrorNote error={run.error} />
      {run.isSuccess && <p role="status">✓ {run.data.length}</p>}
    </form>
  );
}

export function InventoryPage() {
  const { t } = useAdminT();
  const params = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const sku = params.get('sku');
  const productId = params.get('product');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const products = useQuery({
    queryKey: ['admin', 'stock', 'products', search],
    queryFn: () => client.catalog.admin.products.query({ q: search || undefined, limit: 20 }),
    enabled: search !== '',
  });
  const product = useQuery({
    queryKey: ['admin', 'product', productId],
    queryFn: () => client.catalog.admin.product.query({ id: productId! }),
    enabled: !!productId,
  });
  const skuIds = product.data ? product.data.skus.map((s) => s.id) : sku ? [sku] : [];
  const stock = useQuery({
    queryKey: ['admin', 'stock', skuIds],
    queryFn: () => client.inventory.admin.getMany.query({ skuIds }),
    enabled: skuIds.length > 0,
  });
  const low = useQuery({
    queryKey: ['admin', 'stock', 'low'],
    queryFn: () => client.inventory.admin.lowStock.query({ limit: 20 }),
  });
  const qc = useQueryClient();
  const release = useMutation({
    mutationFn: () => client.inventory.admin.releaseExpired.mutate(),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['admin', 'stock'] }),
  });
  const labelOf = (id: string) => {
    const s = product.data?.skus.find((x) => x.id === id);
    return s ? `${s.code} ${Object.values(s.spec).join(' ')}` : `${id.slice(0, 8)}…`;
  };
  return (
    <section>
      <h1>{t('inventory')}</h1>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q.trim());
        }}
      >
        <label>
          {t('findSkus')}
          <input type="search" value={q} maxLength={100} onChange={(e) => setQ(e.target.value)} />
        </label>
        <button type="submit">{t('search')}</button>
        <button type="button" onClick={() => release.mutate()} disabled={release.isPending}>
          {t('releaseExpired')}
        </button>
        {release.data && <span role="status">{t('released', { n: release.data.released })}</span>}
      </form>
      <ErrorNote error={products.error ?? release.error} />
      {products.data && (
        <ul className="plain">
          {products.data.items.map((p) => (
            <li key={p.id}>
              <button type="button" className="link" onClick={() => navigate(`/inventory?product=${p.id}`)}>
                {p.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {skuIds.length > 0 && (
        <section className="panel">
          <h2>{product.data?.name ?? t('sku')}</h2>
          <ErrorNote error={stock.error ?? product.error} />
          <table className="data">
            <thead>
              <tr>
                <th>{t('sku')}</th>
                <th className="num">{t('onHand')}</th>
                <th className="num">{t('reserved')}</th>
                <th className="num">{t('available')}</th>
                <th>{t('status')}</th>
                <th>{t('adjust')}</th>
                <th>{t('threshold')}</th>
              </tr>
            </thead>
            <tbody>
              {stock.data?.map((s) => (
                <StockRow key={`${s.skuId}:${s.updatedAt}`} s={s} label={labelOf(s.skuId)} />
              ))}
            </tbody>
          </table>
        </section>
      )}
      {sku && <Ledger skuId={sku} />}
      {!sku && product.data && product.data.skus[0] && <Ledger skuId={product.data.skus[0].id} />}
      <BatchAdjust />
      <section className="panel">
        <h2>{t('lowStock')}</h2>
        <ErrorNote error={low.error} />
        <table className="data">
          <tbody>
            {low.data?.items.map((s) => (
              <tr key={s.skuId}>
                <td>
                  <button type="button" className="link" onClick={() => navigate(`/inventory?sku=${s.skuId}`)}>
                    <code>{s.skuId}</code>
                  </button>
                </td>
                <td className="num">
                  {s.available} / {s.lowStockThreshold}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  );
}
