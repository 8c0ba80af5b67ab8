import { useEffect } from 'react';
import { useLocation } from 'wouter';
import { useI18n } from '../lib/i18n';
import { useSession } from '../lib/session';
import { NotificationList, storefrontLink } from '../components/notifications';

/** The signed-in customer's inbox: what happened to their orders and carts, newest first. */
export function NotificationsPage() {
  const { t } = useI18n();
  const { signedIn } = useSession();
  const [, navigate] = useLocation();
  useEffect(() => {
    if (!signedIn) navigate('/signin?next=/notifications', { replace: true });
  }, [signedIn, navigate]);
  if (!signedIn) return null;
  return (
    <section aria-labelledby="notifications-h">
      <h1 id="notifications-h">{t('notifications')}</h1>
      <NotificationList linkFor={storefrontLink} />
    </section>
  );
}
