import { NotificationList, type NotificationLink } from '../components/notifications';
import { useAdminT } from './texts';

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** Where a console entry leads: an order's alert to the order, low stock to the SKU's stock, expiring orders to the unpaid list. */
const consoleLink: NotificationLink = (n) => {
  const orderId = str(n.data.orderId);
  if (orderId) return { href: `/orders/${orderId}`, label: 'viewOrder' };
  const skuId = str(n.data.skuId);
  if (n.type === 'inventory.low_stock' && skuId) return { href: `/inventory?sku=${skuId}`, label: 'viewStock' };
  if (n.type === 'order.expiring') return { href: '/orders?status=pending_payment', label: 'viewUnpaidOrders' };
  return null;
};

/**
 * The admin's inbox: staff alerts (low stock, unpaid orders about to expire, payment amount
 * mismatches, dead-lettered events), shared by every admin and read by each for themself, plus the
 * admin's own entries. New ones arrive live (the header's count, `notification.onNew`).
 */
export function AlertsPage() {
  const { t } = useAdminT();
  return (
    <section aria-labelledby="alerts-h">
      <h1 id="alerts-h">{t('alerts')}</h1>
      <NotificationList linkFor={consoleLink} />
    </section>
  );
}
