import { lazy, Suspense } from 'react';
import { Route, Switch } from 'wouter';
import { Layout } from './components/layout';
import { HomePage } from './pages/home';
import { ProductPage } from './pages/product';
import { CartPage } from './pages/cart';
import { SignInPage } from './pages/sign-in';
import { CheckoutPage } from './pages/checkout';
import { OrdersPage } from './pages/orders';
import { OrderPage } from './pages/order';
import { AccountPage } from './pages/account';
import { NotificationsPage } from './pages/notifications';
import { useI18n } from './lib/i18n';

// The back office is its own chunk: a shopper's first load never carries it.
const AdminApp = lazy(() => import('./admin/admin-app'));
// WeChat Pay's QR page carries the QR encoder: its own chunk too.
const PayPage = lazy(() => import('./pages/pay'));

function NotFound() {
  const { t } = useI18n();
  return <h1>{t('notFound')}</h1>;
}

export function App() {
  return (
    <Switch>
      <Route path="/admin" nest>
        <Suspense fallback={null}>
          <AdminApp />
        </Suspense>
      </Route>
      <Route>
        <Layout>
          <Switch>
            <Route path="/" component={HomePage} />
            <Route path="/products/:id">{(p) => <ProductPage id={p.id} />}</Route>
            <Route path="/cart" component={CartPage} />
            <Route path="/signin" component={SignInPage} />
            <Route path="/checkout" component={CheckoutPage} />
            <Route path="/orders" component={OrdersPage} />
            <Route path="/orders/:id">{(p) => <OrderPage id={p.id} />}</Route>
            <Route path="/account" component={AccountPage} />
            <Route path="/notifications" component={NotificationsPage} />
            <Route path="/pay/:id">
              {(p) => (
                <Suspense fallback={null}>
                  <PayPage id={p.id} />
                </Suspense>
              )}
            </Route>
            <Route component={NotFound} />
          </Switch>
        </Layout>
      </Route>
    </Switch>
  );
}
