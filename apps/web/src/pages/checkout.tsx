import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import type { CheckoutTotals } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useSubmitKey } from '../lib/submit-key';
import { useI18n } from '../lib/i18n';
import { appCodeOf, errorData } from '../lib/errors';
import { keys, useCart } from '../lib/queries';
import { useSession } from '../lib/session';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';
import { AddressForm, addressLine } from '../components/address-form';

/**
 * Checkout of the cart's selected lines. The order is placed with `expectedPayable` = the amount
 * shown: if prices moved meanwhile the server answers PRICE_CHANGED with the new totals, which are
 * shown, and nothing is ordered until the shopper places the order again.
 */
export function CheckoutPage() {
  const { t } = useI18n();
  const { token, signedIn } = useSession();
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const cart = useCart();
  const addresses = useQuery({
    queryKey: keys.addresses(token),
    queryFn: () => client.address.list.query(),
    enabled: signedIn,
  });
  const [addressId, setAddressId] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [newTotals, setNewTotals] = useState<CheckoutTotals | null>(null);
  // One key per attempt with the same input: a retried request cannot order twice.
  const attempt = useSubmitKey();

  useEffect(() => {
    if (!signedIn) navigate('/signin?next=/checkout', { replace: true });
  }, [signedIn, navigate]);
  useEffect(() => {
    if (addressId || !addresses.data?.length) return;
    setAddressId((addresses.data.find((a) => a.isDefault) ?? addresses.data[0]).id);
  }, [addresses.data, addressId]);

  const expected = newTotals?.payableAmount ?? cart.data?.payableAmount;
  const place = useMutation({
    mutationFn: () => {
      const input = { addressId: addressId!, expectedPayable: expected! };
      return client.order.checkout.mutate({ ...input, idempotencyKey: attempt.keyFor(input) });
    },
    onSuccess: (order) => {
      void qc.invalidateQueries({ queryKey: keys.cart(token) });
      navigate(`/orders/${order.id}`);
    },
    onError: (e) => {
      if (appCodeOf(e) === 'PRICE_CHANGED') {
        setNewTotals(errorData(e)?.details as CheckoutTotals);
        void qc.invalidateQueries({ queryKey: keys.cart(token) });
      }
    },
  });

  if (!signedIn) return null;
  if (cart.isPending || addresses.isPending) return <p>{t('loading')}</p>;
  const c = cart.data;
  if (!c) return <ErrorNote error={cart.error} />;
  const lines = c.items.filter((i) => i.selected && i.available);
  if (lines.length === 0 && !place.isSuccess) {
    return (
      <section>
        <h1>{t('checkout')}</h1>
        <p>{t('error.CART_EMPTY')}</p>
        <Link href="/cart">{t('cart')}</Link>
      </section>
    );
  }
  const priceChanged = appCodeOf(place.error) === 'PRICE_CHANGED' && newTotals;
  return (
    <section className="checkout" aria-labelledby="co-h">
      <h1 id="co-h">{t('checkout')}</h1>
      <fieldset>
        <legend>{t('deliverTo')}</legend>
        {addresses.data?.map((a) => (
          <label key={a.id} className="radio">
            <input
              type="radio"
              name="address"
              value={a.id}
              checked={addressId === a.id}
              onChange={() => setAddressId(a.id)}
            />{' '}
            {addressLine(a)}
            {a.isDefault && <span className="tag"> {t('isDefault')}</span>}
          </label>
        ))}
        {adding ? (
          <AddressForm
            onSaved={(a) => {
              setAddressId(a.id);
              setAdding(false);
            }}
            onCancel={addresses.data?.length ? () => setAdding(false) : undefined}
          />
        ) : (
          <button type="button" onClick={() => setAdding(true)}>
            {t('addAddress')}
          </button>
        )}
        {!addressId && !adding && <p className="muted">{t('chooseAddress')}</p>}
      </fieldset>
      <h2>{t('orderItems')}</h2>
      <ul className="summary">
        {lines.map((l) => (
          <li key={l.id}>
            {l.productName} × {l.quantity} <Money value={l.subtotal} currency={c.currency} />
          </li>
        ))}
      </ul>
      <dl className="totals">
        <dt>{t('subtotal')}</dt>
        <dd>
          <Money value={newTotals?.itemsAmount ?? c.selectedAmount} currency={c.currency} />
        </dd>
        {(newTotals?.discountAmount ?? c.discountAmount) > 0 && (
          <>
            <dt>{t('discount')}</dt>
            <dd>
              −<Money value={newTotals?.discountAmount ?? c.discountAmount} currency={c.currency} />
            </dd>
          </>
        )}
        {newTotals && newTotals.shippingAmount > 0 && (
          <>
            <dt>{t('shipping')}</dt>
            <dd>
              <Money value={newTotals.shippingAmount} currency={c.currency} />
            </dd>
          </>
        )}
        <dt>{t('payable')}</dt>
        <dd data-testid="checkout-payable">
          <Money value={expected ?? 0} currency={c.currency} className="price" />
        </dd>
      </dl>
      {priceChanged ? (
        <p className="warn" role="alert" data-testid="price-changed-alert">
          {t('priceChangedAsk')} <Money value={newTotals.payableAmount} currency={newTotals.currency} />.{' '}
          {t('priceChangedAgain')}
        </p>
      ) : (
        <ErrorNote error={place.error} />
      )}
      <button
        type="button"
        className="primary"
        disabled={!addressId || expected === undefined || place.isPending}
        onClick={() => place.mutate()}
      >
        {t('placeOrder')}
      </button>
    </section>
  );
}
