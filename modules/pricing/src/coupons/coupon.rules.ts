import type { CouponInvalidReason, CouponKind } from '@zjmall/contracts';
import { DomainError } from '@zjmall/platform';

/** A coupon as judged: its terms, its count, and where the database clock stood in its window when read. */
export interface CouponState {
  id: string;
  code: string;
  kind: CouponKind;
  value: number;
  minSpend: number;
  startsAt: string | null;
  endsAt: string | null;
  usageLimit: number | null;
  perUserLimit: number | null;
  usedCount: number;
  /** Switched off by an admin (absent in entries cached before the column existed: not disabled). */
  disabled?: boolean;
  window: 'active' | 'not_started' | 'expired';
}

export type Verdict =
  { valid: true; discount: number } | { valid: false; reason: CouponInvalidReason; details: Record<string, unknown> };

/** Codes are case-insensitive: stored, compared and shown in upper case. */
export const normalizeCode = (code: string): string => code.trim().toUpperCase();

/**
 * The discount on `amount` (minor units): FIXED takes `value` off, at most the amount; PERCENT takes
 * value % rounded down to the minor unit (BigInt: no float and no overflow touches money).
 */
export function discountOf(kind: CouponKind, value: number, amount: number): number {
  if (amount <= 0) return 0;
  if (kind === 'FIXED') return Math.min(value, amount);
  return Number((BigInt(amount) * BigInt(value)) / 100n);
}

/**
 * Whether a coupon applies to `amount` for a customer who used it `userUses` times (null: not
 * counted — a guest, or no per-user limit). The first failing rule is the reason, those a customer
 * cannot change first: not_found, disabled, not_started, expired, limit_reached, user_limit, min_spend.
 */
export function judge(c: CouponState | null, amount: number, userUses: number | null): Verdict {
  if (!c) return { valid: false, reason: 'not_found', details: {} };
  if (c.disabled) return { valid: false, reason: 'disabled', details: {} };
  if (c.window === 'not_started') return { valid: false, reason: 'not_started', details: { startsAt: c.startsAt } };
  if (c.window === 'expired') return { valid: false, reason: 'expired', details: { endsAt: c.endsAt } };
  if (c.usageLimit !== null && c.usedCount >= c.usageLimit)
    return { valid: false, reason: 'limit_reached', details: { usageLimit: c.usageLimit } };
  if (c.perUserLimit !== null && userUses !== null && userUses >= c.perUserLimit) {
    return { valid: false, reason: 'user_limit', details: { perUserLimit: c.perUserLimit } };
  }
  if (amount < c.minSpend)
    return { valid: false, reason: 'min_spend', details: { minSpend: c.minSpend, selectedAmount: amount } };
  return { valid: true, discount: discountOf(c.kind, c.value, amount) };
}

const MESSAGES: Record<CouponInvalidReason, string> = {
  not_found: 'Unknown coupon code',
  disabled: 'This coupon has been withdrawn',
  not_started: 'This coupon is not valid yet',
  expired: 'This coupon has expired',
  limit_reached: 'This coupon has been used up',
  user_limit: 'You have already used this coupon as often as allowed',
  min_spend: 'The selected items do not reach this coupon’s minimum spend',
};

/** COUPON_INVALID (BAD_REQUEST) with `details: {reason, code, …}` (docs/api.md, pricing). */
export function couponInvalid(
  code: string,
  reason: CouponInvalidReason,
  details: Record<string, unknown> = {},
): DomainError {
  return new DomainError('COUPON_INVALID', MESSAGES[reason], { reason, code, ...details });
}
