import { useI18n } from '../lib/i18n';

export function StockBadge({
  status,
  available,
}: {
  status: 'in_stock' | 'low_stock' | 'out_of_stock';
  available?: number;
}) {
  const { t } = useI18n();
  const label = status === 'in_stock' ? t('inStock') : status === 'low_stock' ? t('lowStock') : t('outOfStock');
  return (
    <span className={`stock stock-${status}`} data-stock={status}>
      {label}
      {status === 'low_stock' && available !== undefined ? ` · ${t('stockLeft', { n: available })}` : ''}
    </span>
  );
}
