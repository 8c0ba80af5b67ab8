import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { useQueryClient } from '@tanstack/react-query';
import type { CartView } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useI18n } from '../lib/i18n';
import { forgetShopper, keys, useCart } from '../lib/queries';
import { session, useSession } from '../lib/session';
import { useNotificationsLive } from '../lib/notifications';
import { sharedStream, tokenTag } from '../lib/shared-stream';
import { MergeBanner } from './merge-banner';
import { NotificationBell } from './notifications';

/**
 * Keeps the cart in the cache current: whatever changes it (another tab, device or process) is
 * pushed here. One tab of the shopper holds the stream for all of them (`sharedStream`).
 */
function CartLive() {
  const { token } = useSession();
  const qc = useQueryClient();
  useEffect(() => {
    if (!token) return;
    return sharedStream<CartView>(
      `zjmall.cart.${tokenTag(token)}`,
      (emit) => {
        const sub = client.cart.onChange.subscribe(undefined, { onData: emit });
        return () => sub.unsubscribe();
      },
      (cart) => qc.setQueryData(keys.cart(token), cart),
    );
  }, [token, qc]);
  return null;
}

/** The signed-in customer's unread count and inbox, pushed by the server (`notification.onNew`). */
function NotificationsLive() {
  const { signedIn } = useSession();
  useNotificationsLive(signedIn);
  return null;
}

function SearchBox() {
  const { t } = useI18n();
  const search = useSearch();
  const [, navigate] = useLocation();
  const [q, setQ] = useState(() => new URLSearchParams(search).get('q') ?? '');
  useEffect(() => setQ(new URLSearchParams(search).get('q') ?? ''), [search]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const term = q.trim();
    navigate(term ? `/?q=${encodeURIComponent(term)}` : '/');
  };
  return (
    <form role="search" className="search" onSubmit={submit}>
      <label htmlFor="search-q" className="sr-only">
        {t('searchPlaceholder')}
      </label>
      <input
        id="search-q"
        type="search"
        value={q}
        maxLength={100}
        placeholder={t('searchPlaceholder')}
        onChange={(e) => setQ(e.target.value)}
      />
      <button type="submit">{t('search')}</button>
    </form>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const { signedIn } = useSession();
  const cart = useCart();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const count = cart.data?.totalQuantity ?? 0;
  const signOut = () => {
    session.setUser(null);
    forgetShopper(qc);
    navigate('/');
  };
  return (
    <>
      <a href="#main" className="skip">
        {lang === 'zh' ? '跳到正文' : 'Skip to content'}
      </a>
      <header className="top">
        <Link href="/" className="brand">
          {t('shopName')}
        </Link>
        <SearchBox />
        <nav aria-label={lang === 'zh' ? '主导航' : 'Main'}>
          <Link href="/cart" className="cart-link">
            {t('cart')}
            <span className="count" data-testid="cart-count">
              {count > 0 ? ` (${count})` : ''}
            </span>
          </Link>
          {signedIn ? (
            <>
              <NotificationBell href="/notifications" enabled={signedIn} />
              <Link href="/orders">{t('myOrders')}</Link>
              <Link href="/account">{t('account')}</Link>
              <button type="button" className="link" onClick={signOut}>
                {t('signOut')}
              </button>
            </>
          ) : (
            <>
              <Link href="/signin">{t('signIn')}</Link>
              <Link href="/signin?mode=register">{t('register')}</Link>
            </>
          )}
          <button
            type="button"
            className="link lang"
            lang={lang === 'zh' ? 'en' : 'zh-CN'}
            aria-label={lang === 'zh' ? '语言：English' : 'Language: 中文'}
            onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
          >
            {lang === 'zh' ? 'English' : '中文'}
          </button>
        </nav>
      </header>
      <CartLive />
      <NotificationsLive />
      <main id="main">
        <MergeBanner />
        {children}
      </main>
      <footer className="foot">
        <small>{t('shopName')}</small>
      </footer>
    </>
  );
}
