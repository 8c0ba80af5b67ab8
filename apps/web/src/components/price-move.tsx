import { useI18n } from '../lib/i18n';
import { Money } from './money';

/** A line's price against the one the shopper agreed to: "Price up: when added ¥100.00, now ¥150.00". */
export function PriceMove({ seen, now, currency }: { seen: number; now: number; currency: string }) {
  const { t } = useI18n();
  const up = now > seen;
  return (
    <small className={up ? 'warn' : 'muted'} data-testid={up ? 'price-up' : 'price-down'}>
      {t(up ? 'priceUp' : 'priceDown')} <Money value={seen} currency={currency} />, {t('priceNow')}{' '}
      <Money value={now} currency={currency} />
    </small>
  );
}
