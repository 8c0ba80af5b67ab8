import { formatMoney } from '../lib/money';
import { useI18n } from '../lib/i18n';
import { useCurrency } from '../lib/queries';

/** An amount in minor units of the store currency (or `currency` when the caller knows it). */
export function Money({ value, currency, className }: { value: number; currency?: string; className?: string }) {
  const { locale } = useI18n();
  const store = useCurrency();
  const cur = currency ?? store;
  if (!cur) return <span className={className}>…</span>;
  return (
    <span className={className} data-amount={value}>
      {formatMoney(value, cur, locale)}
    </span>
  );
}
