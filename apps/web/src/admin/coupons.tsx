import { useState, type FormEvent } from 'react';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import type { CouponKind } from '@zjmall/contracts';
import { client } from '../lib/client';
import { ErrorNote } from '../components/error-note';
import { FieldError } from '../components/field-error';
import { isoFromLocal, useAdminT } from './texts';

export function CouponsPage() {
  const { t, locale } = useAdminT();
  const qc = useQueryClient();
  const [f, setF] = useState({
    code: '',
    kind: 'FIXED' as CouponKind,
    value: '',
    minSpend: '',
    startsAt: '',
    endsAt: '',
    usageLimit: '',
    perUserLimit: '',
  });
  const num = (v: string) => (v.trim() === '' ? undefined : Math.trunc(Number(v)));
  const list = useInfiniteQuery({
    queryKey: ['admin', 'coupons'],
    queryFn: ({ pageParam }) => client.pricing.admin.coupons.query({ cursor: pageParam, limit: 30 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['admin', 'coupons'] });
  const create = useMutation({
    mutationFn: () =>
      client.pricing.admin.createCoupon.mutate({
        code: f.code.trim(),
        kind: f.kind,
        value: num(f.value) ?? 0,
        minSpend: num(f.minSpend),
        startsAt: isoFromLocal(f.startsAt),
        endsAt: isoFromLocal(f.endsAt),
        usageLimit: num(f.usageLimit),
        perUserLimit: num(f.perUserLimit),
      }),
    onSuccess: () => {
      setF({ ...f, code: '', value: '' });
      refresh();
    },
  });
  const disable = useMutation({
    mutationFn: (code: string) => client.pricing.admin.disableCoupon.mutate({ code }),
    onSuccess: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>{t('coupons')}</h1>
      <form className="panel" onSubmit={submit} aria-label={t('newCoupon')}>
        <h2>{t('newCoupon')}</h2>
        <div className="form-grid">
          <label>
            {t('code')}
            <input required maxLength={32} value={f.code} onChange={(e) => setF({ ...f, code: e.target.value })} />
            <FieldError error={create.error} path="code" />
          </label>
          <label>
            {t('kind')}
            <select value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value as CouponKind })}>
              <option>FIXED</option>
              <option>PERCENT</option>
            </select>
          </label>
          <label>
            {t('value')}
            <input
              required
              type="number"
              min={1}
              value={f.value}
              onChange={(e) => setF({ ...f, value: e.target.value })}
            />
            <FieldError error={create.error} path="value" />
          </label>
          <label>
            {t('minSpend')}
            <input
              type="number"
              min={0}
              value={f.minSpend}
              onChange={(e) => setF({ ...f, minSpend: e.target.value })}
            />
            <FieldError error={create.error} path="minSpend" />
          </label>
          <label>
            {t('startsAt')}
            <input
              type="datetime-local"
              value={f.startsAt}
              onChange={(e) => setF({ ...f, startsAt: e.target.value })}
            />
            <FieldError error={create.error} path="startsAt" />
          </label>
          <label>
            {t('endsAt')}
            <input type="datetime-local" value={f.endsAt} onChange={(e) => setF({ ...f, endsAt: e.target.value })} />
            <FieldError error={create.error} path="endsAt" />
          </label>
          <label>
            {t('usageLimit')}
            <input
              type="number"
              min={1}
              value={f.usageLimit}
              onChange={(e) => setF({ ...f, usageLimit: e.target.value })}
            />
            <FieldError error={create.error} path="usageLimit" />
          </label>
          <label>
            {t('perUserLimit')}
            <input
              type="number"
              min={1}
              value={f.perUserLimit}
              onChange={(e) => setF({ ...f, perUserLimit: e.target.value })}
            />
            <FieldError error={create.error} path="perUserLimit" />
          </label>
        </div>
        <ErrorNote error={create.error} />
        <button type="submit" disabled={create.isPending}>
          {t('create')}
        </button>
      </form>
      <ErrorNote error={list.error ?? disable.error} />
      <table className="data">
        <thead>
          <tr>
            <th>{t('code')}</th>
            <th>{t('kind')}</th>
            <th className="num">{t('value')}</th>
            <th className="num">{t('minSpend')}</th>
            <th>{t('startsAt')}</th>
            <th>{t('endsAt')}</th>
            <th className="num">{t('used')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={c.id} data-coupon={c.code}>
              <td>
                <code>{c.code}</code>
              </td>
              <td>{c.kind}</td>
              <td className="num">{c.value}</td>
              <td className="num">{c.minSpend}</td>
              <td>{c.startsAt ? new Date(c.startsAt).toLocaleString(locale) : '—'}</td>
              <td>{c.endsAt ? new Date(c.endsAt).toLocaleString(locale) : '—'}</td>
              <td className="num">
                {c.usedCount}
                {c.usageLimit !== null ? ` / ${c.usageLimit}` : ''}
              </td>
              <td>
                {c.disabledAt ? (
                  <span className="muted">{t('disabled')}</span>
                ) : (
                  <button type="button" className="link" onClick={() => disable.mutate(c.code)}>
                    {t('disable')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()}>
          {t('loadMore')}
        </button>
      )}
    </section>
  );
}
