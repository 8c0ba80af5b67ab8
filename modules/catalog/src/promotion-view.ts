import type { SkuPromotion } from '@zjmall/contracts';

/*
 * How reads show a SKU's promotion. The SKU row holds the promotion published by the sweeper (or by
 * the job that started it); a read shows it only while its window holds by the database's clock,
 * so a promotion never outlives its end, even by the moment the sweeper takes to publish the end
 * (or longer, if no process sweeps). Starts need the sweeper: a read does not look for
 * scheduled promotions (that would cost a look-up per SKU on every read).
 */

/** A promotion's UTC instant as `Date.toISOString()` writes it, inside SQL-built JSON. */
export const isoSql = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const SHOWS = `s.promo_ends_at > now()`;

/** Select-list columns of `s` (catalog.skus): the promotion showing now (all NULL: none). */
export const PROMOTION_COLUMNS = `CASE WHEN ${SHOWS} THEN s.promo_price END AS promo_price,
  CASE WHEN ${SHOWS} THEN s.promo_starts_at END AS promo_starts_at,
  CASE WHEN ${SHOWS} THEN s.promo_ends_at END AS promo_ends_at,
  CASE WHEN ${SHOWS} THEN extract(epoch FROM s.promo_ends_at - now())::float8 END AS promo_left`;

export interface PromotionColumns {
  promo_price: number | null;
  promo_starts_at: Date | null;
  promo_ends_at: Date | null;
  /** Seconds until the promotion ends (database clock). */
  promo_left: number | null;
}

export function promotionOf(r: PromotionColumns): SkuPromotion | null {
  if (r.promo_price === null || !r.promo_starts_at || !r.promo_ends_at) return null;
  return { price: r.promo_price, startsAt: r.promo_starts_at.toISOString(), endsAt: r.promo_ends_at.toISOString() };
}

/** The same promotion as a JSON object built in SQL (null: none), for json_build_object rows. */
export const PROMOTION_JSON = `CASE WHEN ${SHOWS} THEN json_build_object('price', s.promo_price,
  'startsAt', ${isoSql('s.promo_starts_at')}, 'endsAt', ${isoSql('s.promo_ends_at')}) END`;

/**
 * The current price of `s`, as the reads compute it: the promotional price while it shows — but a
 * promotion never costs more than the base price (a base lowered below it during the window wins).
 */
export const CURRENT_PRICE = `CASE WHEN ${SHOWS} THEN least(s.promo_price, s.price) ELSE s.price END`;

/** The same rule in TypeScript, on a promotional price (null: none showing) and a base price. */
export const currentPrice = (promoPrice: number | null, basePrice: number): number =>
  promoPrice === null ? basePrice : Math.min(promoPrice, basePrice);

/** A cached entry that shows a promotion lives no longer than the promotion. */
export function ttlUpTo(entryTtlSeconds: number, promoLeftSeconds: number | null | undefined): number {
  return promoLeftSeconds == null ? entryTtlSeconds : Math.min(entryTtlSeconds, promoLeftSeconds);
}

/**
 * When the current price of `s` took its value (database clock): the last change a writer recorded
 * (`price_changed_at`), or the end of a promotion that has ended and was cheaper than the base —
 * reads stop showing it at its end, before the sweeper publishes the end (which then records it).
 */
export const PRICE_SINCE = `greatest(s.price_changed_at,
  CASE WHEN s.promo_ends_at <= now() AND s.promo_price < s.price THEN s.promo_ends_at END)`;

/**
 * `price_changed_at` for an UPDATE of `s` that sets the base price to `newBase` (an SQL expression):
 * now when the current price moves (the base shows, or goes below a promotion showing), else as it was.
 */
export const priceChangedAtFor = (newBase: string) =>
  `CASE WHEN ${CURRENT_PRICE} <> (CASE WHEN ${SHOWS} THEN least(s.promo_price, ${newBase}) ELSE ${newBase} END)
        THEN now() ELSE s.price_changed_at END`;
