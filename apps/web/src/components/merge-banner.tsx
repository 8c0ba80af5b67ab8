import { useSyncExternalStore } from 'react';
import type { MergeReport } from '@zjmall/contracts';
import { hasMessage, useI18n } from '../lib/i18n';
import { useCart } from '../lib/queries';

/** What the guest-cart merge at sign-in did, shown once on the page the shopper lands on. */
let report: MergeReport | null = null;
const listeners = new Set<() => void>();
export function showMergeReport(r: MergeReport | null | undefined) {
  report = r && (r.lines > 0 || r.capped.length > 0) ? r : null;
  for (const l of listeners) l();
}
const subscribe = (fn: () => void) => {
  listeners.add(fn);
  return () => listeners.delete(fn);
};

export function MergeBanner() {
  const { t, lang } = useI18n();
  const r = useSyncExternalStore(subscribe, () => report);
  const cart = useCart();
  if (!r) return null;
  const reasonText = (key: string, reason: string) => (hasMessage(key) ? t(key) : reason);
  const nameOf = (skuId: string) => cart.data?.items.find((i) => i.skuId === skuId)?.productName ?? skuId;
  return (
    <div className="notice" role="status" data-testid="merge-report">
      <p>{t('mergedLines', { n: r.lines })}</p>
      {r.capped.length > 0 && (
        <ul>
          {r.capped.map((c) => (
            <li key={c.skuId}>
              {t('mergeCapped', { name: nameOf(c.skuId), q: c.quantity, r: c.requested })} ·{' '}
              {reasonText(`mergeReason.${c.reason}`, c.reason)}
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="link" onClick={() => showMergeReport(null)}>
        {lang === 'zh' ? '知道了' : 'Dismiss'}
      </button>
    </div>
  );
}
