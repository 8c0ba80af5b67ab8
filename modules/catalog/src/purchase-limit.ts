import type { PurchaseLimit, PurchaseLimitInput } from '@zjmall/contracts';
import { isoSql } from './promotion-view';

/*
 * A SKU's purchase limit (catalog.skus.purchase_limit, limit_starts_at, limit_ends_at; migration
 * 0004). Catalog only stores and shows it; cart and order enforce it (their READMEs), with
 * `limitInForce` deciding from the SKU view they already hold whether a request costs any counting.
 */

/** Select-list JSON of `s` (catalog.skus): the limit with its window, or NULL. */
export const PURCHASE_LIMIT_JSON = `CASE WHEN s.purchase_limit IS NULL THEN NULL ELSE json_build_object('limit', s.purchase_limit,
  'startsAt', ${isoSql('s.limit_starts_at')}, 'endsAt', ${isoSql('s.limit_ends_at')}) END`;

/** The columns' values for a limit given in an input (null: none). */
export function limitColumns(input: PurchaseLimitInput | null): {
  purchaseLimit: number | null;
  limitStartsAt: Date | null;
  limitEndsAt: Date | null;
} {
  return {
    purchaseLimit: input?.limit ?? null,
    limitStartsAt: input?.startsAt ? new Date(input.startsAt) : null,
    limitEndsAt: input?.endsAt ? new Date(input.endsAt) : null,
  };
}

/**
 * The limit a request is held to now: null when the SKU has none or `now` is outside its window;
 * else the units and the instant from which orders count (null: every order).
 */
export function limitInForce(
  limit: PurchaseLimit | null | undefined,
  now: number = Date.now(),
): { limit: number; since: string | null } | null {
  if (!limit) return null;
  if (limit.startsAt && now < Date.parse(limit.startsAt)) return null;
  if (limit.endsAt && now >= Date.parse(limit.endsAt)) return null;
  return { limit: limit.limit, since: limit.startsAt };
}
