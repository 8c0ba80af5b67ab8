import { useMemo, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import type { ProductDetail, PublicSku, PurchaseLimit } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useI18n } from '../lib/i18n';
import { appCodeOf } from '../lib/errors';
import { keys, useSetCart } from '../lib/queries';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';
import { StockBadge } from '../components/stock-badge';

const MAX_QTY = 999;
const inStock = (s: PublicSku) => s.stockStatus !== 'out_of_stock' && s.available > 0;

/** The SKU whose spec is exactly the chosen values. */
function skuFor(p: ProductDetail, chosen: Record<string, string>): PublicSku | undefined {
  return p.skus.find((s) => p.specOptions.every((o) => s.spec[o.name] === chosen[o.name]));
}

/** A value can be chosen when some in-stock SKU has it together with the other chosen values. */
function selectable(p: ProductDetail, chosen: Record<string, string>, name: string, value: string): boolean {
  return p.skus.some(
    (s) =>
      inStock(s) &&
      s.spec[name] === value &&
      p.specOptions.every((o) => o.name === name || s.spec[o.name] === chosen[o.name]),
  );
}

/** "限购 N 件 / Limit N per customer", with its window when it has one (the server enforces it). */
function PurchaseLimitNote({ limit }: { limit: PurchaseLimit }) {
  const { t, locale } = useI18n();
  const when = (iso: string) => new Date(iso).toLocaleString(locale);
  return (
    <p className="purchase-limit" data-testid="purchase-limit">
      <strong>{t('purchaseLimit', { limit: limit.limit })}</strong>
      {limit.startsAt && <small> {t('purchaseLimitFrom', { from: when(limit.startsAt) })}</small>}
      {limit.endsAt && <small> {t('purchaseLimitUntil', { to: when(limit.endsAt) })}</small>}
    </p>
  );
}

function SkuChooser({ product }: { product: ProductDetail }) {
  const { t, locale } = useI18n();
  const setCart = useSetCart();
  // Opens on the first SKU in stock, so "Add to cart" works without choosing.
  const first = product.skus.find(inStock) ?? product.skus[0];
  const [chosen, setChosen] = useState<Record<string, string>>(() => ({ ...(first?.spec ?? {}) }));
  const [qty, setQty] = useState(1);
  const sku = useMemo(() => skuFor(product, chosen), [product, chosen]);
  const max = sku ? Math.max(1, Math.min(sku.available, MAX_QTY)) : 1;
  const add = useMutation({
    mutationFn: (input: { skuId: string; quantity: number }) => client.cart.addItem.mutate(input),
    onSuccess: setCart,
  });
  const canAdd = !!sku && inStock(sku) && qty >= 1 && qty <= max;

  return (
    <div className="buy">
      {sku ? (
        <div className="price-block">
          <Money value={sku.price} className="price" />
          {sku.promotion && (
            <>
              {' '}
              <s aria-label={t('basePrice')}>
                <Money value={sku.basePrice} />
              </s>
              <small className="promo">
                {t('promotionUntil')} {new Date(sku.promotion.endsAt).toLocaleString(locale)}
              </small>
            </>
          )}
          <p>
            <StockBadge status={sku.stockStatus} available={sku.available} />
          </p>
          {sku.purchaseLimit && <PurchaseLimitNote limit={sku.purchaseLimit} />}
        </div>
      ) : (
        <p className="muted">{t('unavailableCombo')}</p>
      )}
      {product.specOptions.map((o) => (
        <fieldset key={o.name} className="spec">
          <legend>{o.name}</legend>
          {o.values.map((v) => {
            const on = chosen[o.name] === v;
            return (
              <button
                key={v}
                type="button"
                className={on ? 'chip on' : 'chip'}
                aria-pressed={on}
                disabled={!on && !selectable(product, chosen, o.name, v)}
                onClick={() => {
                  setChosen({ ...chosen, [o.name]: v });
                  setQty(1);
                  add.reset();
                }}
              >
                {v}
              </button>
            );
          })}
        </fieldset>
      ))}
      <form
        className="add"
        onSubmit={(e) => {
          e.preventDefault();
          if (sku && canAdd) add.mutate({ skuId: sku.id, quantity: qty });
        }}
      >
        <label>
          {t('quantity')}{' '}
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={max}
            value={qty}
            onChange={(e) => setQty(Math.max(1, Math.min(max, Math.trunc(Number(e.target.value) || 1))))}
          />
        </label>{' '}
        <button type="submit" className="primary" disabled={!canAdd || add.isPending}>
          {sku && !inStock(sku) ? t('outOfStock') : t('addToCart')}
        </button>
      </form>
      {add.isSuccess && (
        <p role="status" className="ok">
          {t('added')} · <Link href="/cart">{t('cart')}</Link>
        </p>
      )}
      <ErrorNote error={add.error} />
    </div>
  );
}

export function ProductPage({ id }: { id: string }) {
  const { t } = useI18n();
  const q = useQuery({ queryKey: keys.product(id), queryFn: () => client.catalog.product.query({ id }) });
  const [image, setImage] = useState(0);
  if (q.isPending) return <p>{t('loading')}</p>;
  if (q.error) {
    const nf = appCodeOf(q.error) === 'PRODUCT_NOT_FOUND' || /BAD_REQUEST/.test(String(q.error));
    return nf ? <h1>{t('productNotFound')}</h1> : <ErrorNote error={q.error} />;
  }
  const p = q.data;
  const attrs = Object.entries(p.attributes);
  return (
    <article className="product">
      <nav aria-label="breadcrumb" className="crumbs">
        <Link href="/">{t('home')}</Link>
        {p.categoryPath.map((c) => (
          <span key={c.id}>
            {' / '}
            <Link href={`/?category=${c.id}`}>{c.name}</Link>
          </span>
        ))}
      </nav>
      <div className="product-main">
        <div className="gallery">
          {p.images.length > 0 ? (
            <>
              <img src={p.images[image] ?? p.images[0]} alt={p.name} width={480} height={480} />
              {p.images.length > 1 && (
                <div className="thumbs">
                  {p.images.map((src, i) => (
                    <button
                      key={src}
                      type="button"
                      aria-label={`${p.name} ${i + 1}`}
                      aria-pressed={i === image}
                      onClick={() => setImage(i)}
                    >
                      <img src={src} alt="" width={64} height={64} />
                    </button>
                  ))}
                </div>
              )}
            </>
          ) : (
            <span className="noimg big" />
          )}
        </div>
        <div>
          <h1>{p.name}</h1>
          {p.brand && (
            <p className="muted">
              <Link href={`/?brand=${p.brand.id}`}>{p.brand.name}</Link>
            </p>
          )}
          <SkuChooser key={p.id} product={p} />
        </div>
      </div>
      {p.description && (
        <section>
          <h2>{t('description')}</h2>
          <p>{p.description}</p>
        </section>
      )}
      {attrs.length > 0 && (
        <section>
          <h2>{t('attributes')}</h2>
          <table className="attrs">
            <tbody>
              {attrs.map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </article>
  );
}
