import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Route, Switch, useLocation } from 'wouter';
import { client } from '../lib/client';
import { useI18n } from '../lib/i18n';
import { forgetShopper, useMe } from '../lib/queries';
import { session, useSession } from '../lib/session';
import { ErrorNote } from '../components/error-note';
import { useAdminT } from './texts';
import { DashboardPage } from './dashboard';
import { OrdersPage, OrderDetailPage } from './orders';
import { ProductsPage, ProductEditorPage } from './products';
import { InventoryPage } from './inventory';
import { CouponsPage } from './coupons';
import { PriceJobsPage } from './price-jobs';
import { AlertsPage } from './alerts';
import { NotificationBell } from '../components/notifications';
import { useNotificationsLive } from '../lib/notifications';
import './admin.css';

function SignInForm() {
  const { t: st } = useI18n();
  const { t } = useAdminT();
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => client.auth.login.mutate({ email, password }),
    onSuccess: (r) => {
      forgetShopper(qc);
      session.setUser(r.token);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  return (
    <main className="admin-signin">
      <h1>{t('console')}</h1>
      <form className="stack" onSubmit={submit}>
        <label>
          {st('email')}
          <input
            type="email"
            required
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          {st('password')}
          <input
            type="password"
            required
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorNote error={login.error} />
        <button type="submit" className="primary" disabled={login.isPending}>
          {st('signIn')}
        </button>
      </form>
    </main>
  );
}

function LangSwitch() {
  const { lang, setLang } = useI18n();
  return (
    <button
      type="button"
      className="link"
      aria-label={lang === 'zh' ? '语言：English' : 'Language: 中文'}
      onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
    >
      {lang === 'zh' ? 'English' : '中文'}
    </button>
  );
}

function SignOut() {
  const { t } = useAdminT();
  const qc = useQueryClient();
  return (
    <button
      type="button"
      className="link"
      onClick={() => {
        session.setUser(null);
        forgetShopper(qc);
      }}
    >
      {t('signOut')}
    </button>
  );
}

const NAV = [
  ['/', 'dashboard'],
  ['/orders', 'orders'],
  ['/products', 'products'],
  ['/inventory', 'inventory'],
  ['/coupons', 'coupons'],
  ['/price-jobs', 'priceJobs'],
] as const;

/** Staff alerts reach every admin live (`notification.onNew`): the header's bell shows the unread count. */
function AlertsBell() {
  const { t } = useAdminT();
  useNotificationsLive(true);
  return <NotificationBell href="/alerts" enabled label={t('alerts')} />;
}

/** The back office at /admin: its own chunk, the same typed client, admins only (the server decides; this only stops showing forms). */
export default function AdminApp() {
  const { t } = useAdminT();
  const { signedIn } = useSession();
  const me = useMe();
  const [location] = useLocation();
  useEffect(() => {
    document.title = `zjmall · ${t('console')}`;
  }, [t]);
  if (!signedIn) return <SignInForm />;
  if (me.isPending) return null;
  const role = me.data?.role;
  if (role !== 'admin') {
    return (
      <main className="admin-signin">
        <h1>{t('adminsOnly')}</h1>
        <p>{t('adminsOnlyHint')}</p>
        <SignOut />
      </main>
    );
  }
  return (
    <div className="admin">
      <header className="admin-top">
        <strong>{t('console')}</strong>
        <nav aria-label={t('console')}>
          {NAV.map(([href, key]) => (
            <Link
              key={href}
              href={href}
              aria-current={(href === '/' ? location === '/' : location.startsWith(href)) ? 'page' : undefined}
            >
              {t(key)}
            </Link>
          ))}
        </nav>
        <span className="admin-tools">
          <AlertsBell /> <a href="/">{t('storefront')}</a> <LangSwitch /> <SignOut />
        </span>
      </header>
      <main className="admin-main">
        <Switch>
          <Route path="/" component={DashboardPage} />
          <Route path="/orders" component={OrdersPage} />
          <Route path="/orders/:id">{(p) => <OrderDetailPage id={p.id} />}</Route>
          <Route path="/products" component={ProductsPage} />
          <Route path="/products/new">{() => <ProductEditorPage id={null} />}</Route>
          <Route path="/products/:id">{(p) => <ProductEditorPage id={p.id} />}</Route>
          <Route path="/inventory" component={InventoryPage} />
          <Route path="/coupons" component={CouponsPage} />
          <Route path="/price-jobs" component={PriceJobsPage} />
          <Route path="/alerts" component={AlertsPage} />
        </Switch>
      </main>
    </div>
  );
}
