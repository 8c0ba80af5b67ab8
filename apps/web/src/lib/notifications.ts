import { useEffect } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { NotificationLocale } from '@zjmall/contracts';
import { client } from './client';
import { useI18n, type Lang } from './i18n';
import { keys } from './queries';
import { sharedStream, tokenTag } from './shared-stream';
import { useSession } from './session';

/** The locale the server renders notification texts in, for the UI's language. */
export function apiLocale(lang: Lang): NotificationLocale {
  return lang === 'zh' ? 'zh-CN' : 'en';
}

/** What one `notification.onNew` message changes here (and in the other tabs). */
interface News {
  unreadCount: number;
  /** A new entry came with it. */
  item: boolean;
  /** The stream's first message (the count when it opened). */
  first: boolean;
}

/**
 * Keeps the signed-in user's unread count and inbox current: `notification.onNew` (SSE) pushes the
 * count when the stream opens and with every new entry (from any process). The count goes straight
 * into the cache; a new entry, or a count after a reconnection (entries may have been missed), makes
 * the inbox list read again. Mount once per page (the storefront's layout, the console's header).
 * One tab of the user holds the stream for all of them (`sharedStream`).
 */
export function useNotificationsLive(enabled: boolean): void {
  const { token } = useSession();
  const { lang } = useI18n();
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled || !token) return;
    return sharedStream<News>(
      `zjmall.notifications.${tokenTag(token)}`,
      (emit) => {
        let first = true;
        const sub = client.notification.onNew.subscribe(
          { locale: apiLocale(lang) },
          {
            onData: (n) => {
              emit({ unreadCount: n.unreadCount, item: n.item !== null, first });
              first = false;
            },
          },
        );
        return () => sub.unsubscribe();
      },
      (news) => {
        qc.setQueryData(keys.unread(token), { count: news.unreadCount });
        if (news.item || !news.first) void qc.invalidateQueries({ queryKey: keys.notificationsOf(token) });
      },
    );
  }, [enabled, token, lang, qc]);
  // Entries marked read in another tab: the stream says nothing of it, the tab that marked them does.
  useEffect(() => {
    if (!enabled || !token || typeof BroadcastChannel !== 'function') return;
    const read = new BroadcastChannel(readChannel(token));
    read.addEventListener('message', () => {
      void qc.invalidateQueries({ queryKey: keys.unread(token) });
      void qc.invalidateQueries({ queryKey: keys.notificationsOf(token) });
    });
    return () => read.close();
  }, [enabled, token, qc]);
}

const readChannel = (token: string) => `zjmall.notifications-read.${tokenTag(token)}`;

/** The signed-in user's unread count (kept live by `useNotificationsLive`). */
export function useUnreadCount(enabled: boolean): number {
  const { token } = useSession();
  const q = useQuery({
    queryKey: keys.unread(token),
    queryFn: () => client.notification.unreadCount.query(),
    enabled: enabled && token !== null,
  });
  return q.data?.count ?? 0;
}

/** The inbox, newest first, paged, its texts in the UI's language. */
export function useNotifications(unreadOnly: boolean) {
  const { token, signedIn } = useSession();
  const { lang } = useI18n();
  const locale = apiLocale(lang);
  return useInfiniteQuery({
    queryKey: keys.notifications(token, locale, unreadOnly),
    queryFn: ({ pageParam }) =>
      client.notification.list.query({ cursor: pageParam, unreadOnly: unreadOnly || undefined, locale, limit: 20 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: signedIn,
  });
}

/** Marks entries read (`{ids}`) or all of them (`{all: true}`); the count and the list are read again, in the user's other tabs too. */
export function useMarkRead() {
  const { token } = useSession();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { ids: string[] } | { all: true }) => client.notification.markRead.mutate(input),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.unread(token) });
      void qc.invalidateQueries({ queryKey: keys.notificationsOf(token) });
      // The user's other tabs read their count again.
      if (token && typeof BroadcastChannel === 'function') {
        const read = new BroadcastChannel(readChannel(token));
        read.postMessage('read');
        read.close();
      }
    },
  });
}
