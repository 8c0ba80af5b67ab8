import { useState } from 'react';
import { Link } from 'wouter';
import type { Notification } from '@zjmall/contracts';
import { useI18n, type MessageKey } from '../lib/i18n';
import { useMarkRead, useNotifications, useUnreadCount } from '../lib/notifications';
import { ErrorNote } from './error-note';

/** Where an entry leads, and the link's words; null when nowhere. */
export type NotificationLink = (n: Notification) => { href: string; label: MessageKey } | null;

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The storefront's links: an order's entries to the order, a cart's to the cart. */
export const storefrontLink: NotificationLink = (n) => {
  const orderId = str(n.data.orderId);
  if (orderId) return { href: `/orders/${orderId}`, label: 'viewOrder' };
  if (n.type.startsWith('catalog.')) return { href: '/cart', label: 'viewCart' };
  return null;
};

/**
 * A bell with the unread count (live: the count is pushed by `notification.onNew`), leading to the
 * inbox at `href`.
 */
export function NotificationBell({ href, enabled, label }: { href: string; enabled: boolean; label?: string }) {
  const { t } = useI18n();
  const count = useUnreadCount(enabled);
  const name = label ?? t('notifications');
  return (
    <Link
      href={href}
      className="bell"
      aria-label={count > 0 ? `${name}, ${t('unreadN', { n: count })}` : name}
      data-unread={count}
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      <span className="badge" data-testid="notification-count" hidden={count === 0}>
        {count > 99 ? '99+' : count}
      </span>
    </Link>
  );
}

function Entry({ n, linkFor }: { n: Notification; linkFor: NotificationLink }) {
  const { t, locale } = useI18n();
  const mark = useMarkRead();
  const link = linkFor(n);
  const unread = n.readAt === null;
  return (
    <li className={unread ? 'note unread' : 'note'} data-type={n.type} data-unread={unread ? 'true' : 'false'}>
      <div className="note-head">
        <strong>{n.title}</strong>
        {unread && <span className="tag">{t('unread')}</span>}
        {n.staff && <span className="tag">{t('staffAlert')}</span>}
        <time className="muted" dateTime={n.createdAt}>
          {new Date(n.createdAt).toLocaleString(locale)}
        </time>
      </div>
      <p>{n.body}</p>
      <div className="note-actions">
        {link && <Link href={link.href}>{t(link.label)}</Link>}
        {unread && (
          <button
            type="button"
            className="link"
            aria-label={`${t('markRead')}: ${n.title}`}
            disabled={mark.isPending}
            onClick={() => mark.mutate({ ids: [n.id] })}
          >
            {t('markRead')}
          </button>
        )}
      </div>
      <ErrorNote error={mark.error} />
    </li>
  );
}

/** The inbox: newest first, paged, unread ones marked; mark one or all read. */
export function NotificationList({ linkFor }: { linkFor: NotificationLink }) {
  const { t } = useI18n();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useNotifications(unreadOnly);
  const markAll = useMarkRead();
  const count = useUnreadCount(true);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const anyUnread = count > 0 || items.some((n) => n.readAt === null);
  return (
    <div className="notifications">
      <div className="note-tools">
        <label>
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />{' '}
          {t('unreadOnly')}
        </label>
        <button type="button" disabled={!anyUnread || markAll.isPending} onClick={() => markAll.mutate({ all: true })}>
          {t('markAllRead')}
        </button>
      </div>
      <ErrorNote error={list.error ?? markAll.error} />
      {list.isPending ? (
        <p>{t('loading')}</p>
      ) : items.length === 0 ? (
        <p className="muted">{t('noNotifications')}</p>
      ) : (
        <ul className="note-list" aria-label={t('notifications')}>
          {items.map((n) => (
            <Entry key={n.id} n={n} linkFor={linkFor} />
          ))}
        </ul>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {t('loadMore')}
        </button>
      )}
    </div>
  );
}
