import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { PriceRule } from '@zjmall/contracts';
import { client } from '../lib/client';
import { ErrorNote } from '../components/error-note';
import { isoFromLocal, useAdminT } from './texts';

/** One job's live progress: polled while it runs (the job reports processed/total/changed). */
function JobProgress({ jobId }: { jobId: string }) {
  const { t } = useAdminT();
  const job = useQuery({
    queryKey: ['admin', 'job', jobId],
    queryFn: () => client.pricing.admin.job.query({ jobId }),
    refetchInterval: (q) =>
      q.state.data && (q.state.data.status === 'completed' || q.state.data.status === 'failed') ? false : 300,
  });
  const j = job.data;
  if (!j) return <ErrorNote error={job.error} />;
  const pct = j.total > 0 ? Math.floor((j.processed * 100) / j.total) : j.status === 'completed' ? 100 : 0;
  return (
    <section className="panel" aria-label={`${t('job')} ${jobId}`} data-job-status={j.status}>
      <p>
        {t('job')} <code>{jobId.slice(0, 8)}</code> · {t('status')}:{' '}
        <strong data-testid="job-status">{j.status}</strong> · {t('changed')}:{' '}
        <strong data-testid="job-changed">{j.changed}</strong>
      </p>
      <div
        className="bar"
        role="progressbar"
        aria-label={t('progress')}
        aria-valuemin={0}
        aria-valuemax={j.total}
        aria-valuenow={j.processed}
      >
        <span style={{ width: `${pct}%` }} />
      </div>
      <p className="muted">
        {j.processed} / {j.total}
      </p>
      {j.error && <p className="error">{j.error}</p>}
    </section>
  );
}

export function PriceJobsPage() {
  const { t } = useAdminT();
  const [kind, setKind] = useState<'percent' | 'fixed'>('percent');
  const [value, setValue] = useState('-10');
  const [skuIds, setSkuIds] = useState('');
  const [categoryId, setCategoryId] = useState('');
  const [startsAt, setStartsAt] = useState('');
  const [endsAt, setEndsAt] = useState('');
  const [jobs, setJobs] = useState<string[]>([]);
  const cats = useQuery({ queryKey: ['admin', 'categories'], queryFn: () => client.catalog.categoryTree.query() });
  const start = useMutation({
    mutationFn: () => {
      const ids = skuIds.split(/\s+/).filter(Boolean);
      const scope =
        ids.length || categoryId
          ? { ...(ids.length ? { skuIds: ids } : {}), ...(categoryId ? { categoryIds: [categoryId] } : {}) }
          : undefined;
      const adjust: PriceRule['adjust'] =
        kind === 'percent' ? { kind, value: Number(value) } : { kind, amount: Math.trunc(Number(value)) };
      const window =
        startsAt && endsAt ? { startsAt: isoFromLocal(startsAt)!, endsAt: isoFromLocal(endsAt)! } : undefined;
      return client.pricing.admin.recalculate.mutate({ rules: [{ adjust }], scope, window });
    },
    onSuccess: (r) => setJobs([r.jobId, ...jobs]),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  return (
    <section>
      <h1>{t('priceJobs')}</h1>
      <form className="panel" onSubmit={submit} aria-label={t('newJob')}>
        <h2>{t('newJob')}</h2>
        <div className="form-grid">
          <label>
            {t('ruleKind')}
            <select value={kind} onChange={(e) => setKind(e.target.value as 'percent' | 'fixed')}>
              <option value="percent">{t('percent')}</option>
              <option value="fixed">{t('fixed')}</option>
            </select>
          </label>
          <label>
            {t('adjustValue')}
            <input required inputMode="decimal" value={value} onChange={(e) => setValue(e.target.value)} />
          </label>
          <label>
            {t('scopeCategory')}
            <select value={categoryId} onChange={(e) => setCategoryId(e.target.value)}>
              <option value="">{t('all')}</option>
              {cats.data?.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('windowStart')}
            <input type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
          </label>
          <label>
            {t('windowEnd')}
            <input type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />
          </label>
        </div>
        <label className="block">
          {t('scopeSkus')}
          <textarea value={skuIds} onChange={(e) => setSkuIds(e.target.value)} />
        </label>
        <ErrorNote error={start.error} />
        <button type="submit" className="primary" disabled={start.isPending}>
          {t('start')}
        </button>
      </form>
      {jobs.map((id) => (
        <JobProgress key={id} jobId={id} />
      ))}
    </section>
  );
}
