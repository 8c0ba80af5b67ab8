import type { OrderStatus } from '@zjmall/contracts';
import { useI18n, hasMessage } from '../lib/i18n';

export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  const { t } = useI18n();
  const key = `status.${status}`;
  return (
    <span className={`status status-${status}`} data-status={status}>
      {hasMessage(key) ? t(key) : status}
    </span>
  );
}
