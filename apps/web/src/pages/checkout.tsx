import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import type { PriceChangedDetails } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useSubmitKey } from '../lib/submit-key';
import { useI18n } from '../lib/i18n';
import { appCodeOf, errorData } from '../lib/errors';
import { keys, useCart, useSetCart } from '../lib/queries';
import { useSession } from '../lib/session';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';
import { AddressForm, addressLine } from '../components/address-form';
import { PriceMove } from '../components/price-move';

/**
 * Checkout of the cart's selected lines. The order is placed with `expectedPayable` = the amount
 * shown: if prices moved meanwhile the server answers PRICE_CHANGED with the new totals and the lines
 * that moved, which are shown, and nothing is ordered until the shopper places the order again. A
 * price that rose above the one agreed in the cart is never charged until accepted: the lines that
 * rose (known from the cart's warnings, or from a PRICE_CHANGED) are listed, and the order button
 * becomes "accept new prices and place order" (cart.acceptPrices for those lines, then the order).
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
  const setCart = useSetCart();
  const [drift, setDrift] = useState<PriceChangedDetails | null>(null);
  const newTotals = drift?.totals ?? null;
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
    mutationFn: async (accept: string[]) => {
      if (accept.length) setCart(await client.cart.acceptPrices.mutate({ itemIds: accept }));
      const input = { addressId: addressId!, expectedPayable: expected! };
      return client.order.checkout.mutate({ ...input, idempotencyKey: attempt.keyFor(input) });
    },
    onSuccess: (order) => {
      void qc.invalidateQueries({ queryKey: keys.cart(token) });
      navigate(`/orders/${order.id}`);
    },
    onError: (e) => {
      if (appCodeOf(e) === 'PRICE_CHANGED') {
        setDrift(errorData(e)?.details as PriceChangedDetails);
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
  // Lines whose price rose above the agreed one: the server's answer, else the cart's warnings.
  const names = new Map(c.items.map((i) => [i.id, i.productName]));
  const selected = new Set(lines.map((l) => l.id));
  const rises = (
    priceChanged
      ? drift!.lines
      : c.warnings.flatMap((w) => (w.kind === 'price_up' && selected.has(w.itemId) ? [w] : []))
  ).filter((l) => l.currentPrice > l.seenPrice);
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
      {rises.length > 0 && (
        <div className="warn" data-testid="price-rises">
          <p>{t('priceRoseAsk')}</p>
          <ul>
            {rises.map((l) => (
              <li key={l.itemId}>
                {names.get(l.itemId) ?? ''} <PriceMove seen={l.seenPrice} now={l.currentPrice} currency={c.currency} />
              </li>
            ))}
          </ul>
        </div>
      )}
      {priceChanged ? (
        <p className="warn" role="alert" data-testid="price-changed-alert">
          {t('priceChangedAsk')} <Money value={newTotals.payableAmount} currency={drift!.currency} />.{' '}
          {t('priceChangedAgain')}
        </p>
      ) : (
        <ErrorNote error={place.error} />
      )}
      <button
        type="button"
        className="primary"
        disabled={!addressId || expected === undefined || place.isPending}
        onClick={() => place.mutate(rises.map((l) => l.itemId))}
      >
        {rises.length ? t('acceptAndOrder') : t('placeOrder')}
      </button>
    </section>
  );
}
