import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import type { CartItemView, CartView } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useI18n } from '../lib/i18n';
import { useCart, useSetCart } from '../lib/queries';
import { useSession } from '../lib/session';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';
import { StockBadge } from '../components/stock-badge';
import { PriceMove } from '../components/price-move';

const specText = (spec: Record<string, string>) =>
  Object.entries(spec)
    .map(([k, v]) => `${k}: ${v}`)
    .join(' · ');

/** One cart change at a time from this page; each answers the whole cart. */
function useCartAction() {
  const setCart = useSetCart();
  return useMutation({ mutationFn: (run: () => Promise<CartView>) => run(), onSuccess: setCart });
}

function QuantityInput({
  line,
  disabled,
  onCommit,
}: {
  line: CartItemView;
  disabled: boolean;
  onCommit: (q: number) => void;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<string | null>(null);
  const commit = () => {
    if (draft === null) return;
    const q = Math.trunc(Number(draft));
    setDraft(null);
    if (Number.isFinite(q) && q >= 1 && q <= 999 && q !== line.quantity) onCommit(q);
  };
  return (
    <input
      type="number"
      inputMode="numeric"
      min={1}
      max={999}
      aria-label={`${t('quantity')}: ${line.productName}`}
      value={draft ?? String(line.quantity)}
      disabled={disabled}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          commit();
        }
      }}
    />
  );
}

function CouponBox({ cart }: { cart: CartView }) {
  const { t } = useI18n();
  const action = useCartAction();
  const [code, setCode] = useState('');
  const c = cart.coupon;
  return (
    <section className="coupon" aria-labelledby="coupon-h">
      <h2 id="coupon-h">{t('coupon')}</h2>
      {c ? (
        <p>
          <strong>{c.code}</strong>{' '}
          {c.valid ? (
            <>
              −<Money value={c.discount} currency={cart.currency} />
            </>
          ) : (
            <span className="warn" role="status">
              {t('couponNotApplied', { reason: c.reason ? t(`reason.${c.reason}`) : '' })}
            </span>
          )}{' '}
          <button type="button" className="link" onClick={() => action.mutate(() => client.cart.removeCoupon.mutate())}>
            {t('removeCoupon')}
          </button>
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (code.trim()) action.mutate(() => client.cart.applyCoupon.mutate({ code: code.trim() }));
          }}
        >
          <label>
            {t('couponCode')} <input value={code} maxLength={50} onChange={(e) => setCode(e.target.value)} />
          </label>{' '}
          <button type="submit" disabled={action.isPending}>
            {t('apply')}
          </button>
        </form>
      )}
      <ErrorNote error={action.error} />
    </section>
  );
}

export function CartPage() {
  const { t } = useI18n();
  const { signedIn } = useSession();
  const [, navigate] = useLocation();
  const cart = useCart();
  const action = useCartAction();
  if (cart.isPending) return <p>{t('loading')}</p>;
  if (cart.error) return <ErrorNote error={cart.error} />;
  const c = cart.data;
  if (c.items.length === 0) {
    return (
      <section>
        <h1>{t('cart')}</h1>
        <p>{t('cartEmpty')}</p>
        <Link href="/">{t('continueShopping')}</Link>
      </section>
    );
  }
  const available = c.items.filter((i) => i.available);
  const allSelected = available.length > 0 && available.every((i) => i.selected);
  const busy = action.isPending;
  // The server's warnings say which lines' prices moved since they were added (accepting takes the new ones).
  const moved = c.warnings.some((w) => w.kind === 'price_up' || w.kind === 'price_down');
  const limits = new Map(c.warnings.flatMap((w) => (w.kind === 'limit' ? [[w.itemId, w.limit] as const] : [])));
  return (
    <section className="cart" aria-labelledby="cart-h">
      <h1 id="cart-h">{t('cart')}</h1>
      <p>
        <label>
          <input
            type="checkbox"
            checked={allSelected}
            disabled={busy || available.length === 0}
            onChange={(e) => action.mutate(() => client.cart.selectAll.mutate({ selected: e.target.checked }))}
          />{' '}
          {t('selectAll')}
        </label>
      </p>
      {moved && (
        <p className="warn" role="status" data-testid="prices-moved">
          {t('pricesMoved')}{' '}
          <button type="button" disabled={busy} onClick={() => action.mutate(() => client.cart.acceptPrices.mutate())}>
            {t('acceptPrices')}
          </button>
        </p>
      )}
      <ErrorNote error={action.error} />
      <ul className="lines">
        {c.items.map((line) => (
          <li
            key={line.id}
            className={line.available ? 'line' : 'line unavailable'}
            data-sku={line.skuId}
            aria-disabled={!line.available || undefined}
          >
            <input
              type="checkbox"
              aria-label={`${t('select')}: ${line.productName}`}
              checked={line.selected && line.available}
              disabled={busy || !line.available}
              onChange={(e) =>
                action.mutate(() => client.cart.select.mutate({ itemIds: [line.id], selected: e.target.checked }))
              }
            />
            {line.image ? <img src={line.image} alt="" width={72} height={72} /> : <span className="noimg small" />}
            <div className="line-info">
              {line.productId ? (
                <Link href={`/products/${line.productId}`}>{line.productName}</Link>
              ) : (
                <span>{line.productName}</span>
              )}
              <small className="muted">{specText(line.spec)}</small>
              {!line.available && <strong className="warn">{t('unavailable')}</strong>}
              {line.available && line.stockStatus !== 'in_stock' && (
                <StockBadge status={line.stockStatus} available={line.availableStock} />
              )}
              {line.priceChanged && <PriceMove seen={line.addedPrice} now={line.unitPrice} currency={c.currency} />}
              {limits.has(line.id) && (
                <small className="muted" data-testid="purchase-limit">
                  {t('limitPerCustomer', { n: limits.get(line.id)! })}
                </small>
              )}
            </div>
            <Money value={line.unitPrice} currency={c.currency} className="unit" />
            <QuantityInput
              line={line}
              disabled={busy}
              onCommit={(quantity) =>
                action.mutate(() => client.cart.updateQuantity.mutate({ itemId: line.id, quantity }))
              }
            />
            <Money value={line.subtotal} currency={c.currency} className="sub" />
            <button
              type="button"
              className="link"
              aria-label={`${t('remove')}: ${line.productName}`}
              disabled={busy}
              onClick={() => action.mutate(() => client.cart.removeItem.mutate({ itemId: line.id }))}
            >
              {t('remove')}
            </button>
          </li>
        ))}
      </ul>
      <CouponBox cart={c} />
      <dl className="totals">
        <dt>{t('selectedTotal', { n: c.selectedCount })}</dt>
        <dd>
          <Money value={c.selectedAmount} currency={c.currency} />
        </dd>
        {c.discountAmount > 0 && (
          <>
            <dt>{t('discount')}</dt>
            <dd>
              −<Money value={c.discountAmount} currency={c.currency} />
            </dd>
          </>
        )}
        <dt>{t('payable')}</dt>
        <dd data-testid="cart-payable">
          <Money value={c.payableAmount} currency={c.currency} className="price" />
        </dd>
      </dl>
      <button
        type="button"
        className="primary"
        disabled={c.selectedCount === 0}
        onClick={() => navigate(signedIn ? '/checkout' : '/signin?next=/checkout')}
      >
        {t('checkout')}
      </button>
    </section>
  );
}
