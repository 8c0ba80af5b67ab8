import { z } from 'zod';
import { Id, Limit, SafeString, safeChars } from './common.schemas';

/** An ISO-8601 date-time with its offset. */
const Timestamp = z.iso.datetime({ offset: true }).check(safeChars);

// pricing.admin.* (docs/api.md, pricing). Money is integer minor units (fen).

/** One attribute condition: the SKU's spec or its product's attributes has `key` equal to one of `values`. */
export const AttributeCondition = z.object({
  key: SafeString.min(1).max(100),
  values: z.array(SafeString.max(200)).min(1).max(50),
});
export type AttributeCondition = z.infer<typeof AttributeCondition>;

/**
 * Which SKUs a rule (or a job) applies to. Every given field must match (AND); inside a field any
 * listed value matches (OR). Categories include their descendants. No field: every SKU.
 */
export const PriceRuleScope = z.object({
  categoryIds: z.array(Id).min(1).max(200).optional(),
  brandIds: z.array(Id).min(1).max(200).optional(),
  skuIds: z.array(Id).min(1).max(10_000).optional(),
  attributes: z.array(AttributeCondition).min(1).max(10).optional(),
});
export type PriceRuleScope = z.infer<typeof PriceRuleScope>;

/** A percentage (−100 … +1000, two decimals at most) or a fixed amount in fen (may be negative). */
export const PriceAdjustment = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('percent'),
    value: z
      .number()
      .min(-100)
      .max(1000)
      .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, 'at most two decimals'),
  }),
  z.object({ kind: z.literal('fixed'), amount: z.number().int().min(-1_000_000_000).max(1_000_000_000) }),
]);
export type PriceAdjustment = z.infer<typeof PriceAdjustment>;

/** One rule: applied, in order, to the running price of every SKU in its scope. `stop` ends the list for that SKU. */
export const PriceRule = z.object({
  scope: PriceRuleScope.optional(),
  adjust: PriceAdjustment,
  stop: z.boolean().optional(),
});
export type PriceRule = z.infer<typeof PriceRule>;

/** `yuan`: nearest whole yuan; `x99`: nearest x.99; `ten_fen`: nearest 10 fen; `none`: as computed. */
export const RoundingMode = z.enum(['none', 'yuan', 'x99', 'ten_fen']);
export type RoundingMode = z.infer<typeof RoundingMode>;

/** Tiers by the computed price: the first tier whose `below` exceeds the price (or has none) rounds it. */
export const RoundingTier = z.object({ below: z.number().int().positive().optional(), mode: RoundingMode });
export type RoundingTier = z.infer<typeof RoundingTier>;

/** A promotional window: the result is a promotional price inside it; the base price is untouched. */
export const PriceWindow = z
  .object({ startsAt: Timestamp, endsAt: Timestamp })
  .refine((w) => Date.parse(w.endsAt) > Date.parse(w.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
export type PriceWindow = z.infer<typeof PriceWindow>;

export const RecalculateInput = z.object({
  rules: z.array(PriceRule).min(1).max(200),
  /** The SKUs the job walks (default: every active SKU). */
  scope: PriceRuleScope.optional(),
  rounding: z.array(RoundingTier).min(1).max(10).optional(),
  /** The floor: cost price × (1 + minMargin); SKUs without a cost price have no floor. 0.1 = 10 %. */
  minMargin: z.number().min(0).max(10).optional(),
  window: PriceWindow.optional(),
});
export type RecalculateInput = z.infer<typeof RecalculateInput>;

export const RecalculateOutput = z.object({ jobId: Id });
export type RecalculateOutput = z.infer<typeof RecalculateOutput>;

export const PriceJobInput = z.object({ jobId: Id });
export type PriceJobInput = z.infer<typeof PriceJobInput>;

export const PriceJobStatus = z.enum(['queued', 'running', 'completed', 'failed']);
export type PriceJobStatus = z.infer<typeof PriceJobStatus>;

export const PriceJob = z.object({
  jobId: Id,
  status: PriceJobStatus,
  processed: z.number().int(),
  total: z.number().int(),
  changed: z.number().int(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type PriceJob = z.infer<typeof PriceJob>;

// ---- coupons (docs/api.md, pricing) -----------------------------------------------------------------

/** FIXED: `value` minor units off; PERCENT: `value` % off (1–100), rounded down to the minor unit. */
export const CouponKind = z.enum(['FIXED', 'PERCENT']);
export type CouponKind = z.infer<typeof CouponKind>;

/**
 * Why a coupon does not apply (`COUPON_INVALID` `details.reason`). `user_limit`: this user's uses are spent;
 * `disabled`: an admin switched it off (`pricing.admin.disableCoupon`).
 */
export const CouponInvalidReason = z.enum([
  'not_found',
  'disabled',
  'not_started',
  'expired',
  'limit_reached',
  'user_limit',
  'min_spend',
]);
export type CouponInvalidReason = z.infer<typeof CouponInvalidReason>;

/** A code as typed by a customer; codes are case-insensitive (stored and shown in upper case). */
export const CouponCodeInput = z.object({ code: SafeString.trim().min(1).max(50) });
export type CouponCodeInput = z.infer<typeof CouponCodeInput>;

export const CreateCouponInput = z
  .object({
    code: SafeString.trim()
      .min(3)
      .max(32)
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only'),
    kind: CouponKind,
    value: z.number().int().min(1).max(1_000_000_000_000),
    /** The selected amount must reach this (minor units). */
    minSpend: z.number().int().min(0).max(1_000_000_000_000).optional(),
    startsAt: Timestamp.optional(),
    endsAt: Timestamp.optional(),
    /** Uses across all customers (a cancelled order gives its use back). */
    usageLimit: z.number().int().min(1).max(1_000_000_000).optional(),
    /** Uses per customer. */
    perUserLimit: z.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((c) => c.kind !== 'PERCENT' || c.value <= 100, { message: 'a PERCENT value is 1–100', path: ['value'] })
  .refine((c) => !c.startsAt || !c.endsAt || Date.parse(c.endsAt) > Date.parse(c.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
export type CreateCouponInput = z.infer<typeof CreateCouponInput>;

export const Coupon = z.object({
  id: Id,
  code: z.string(),
  kind: CouponKind,
  value: z.number().int(),
  minSpend: z.number().int(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  usageLimit: z.number().int().nullable(),
  perUserLimit: z.number().int().nullable(),
  /** Uses held by orders that were not cancelled. */
  usedCount: z.number().int(),
  createdAt: z.string(),
  /** When an admin disabled it (null: enabled). A disabled coupon applies nowhere. */
  disabledAt: z.string().nullable(),
});
export type Coupon = z.infer<typeof Coupon>;

/** `pricing.admin.coupon`: null for an unknown code. */
export const CouponOrNull = Coupon.nullable();
export type CouponOrNull = z.infer<typeof CouponOrNull>;

/** A `pricing.admin.coupons` page cursor: opaque to clients. */
export const CouponCursor = SafeString.regex(/^[A-Za-z0-9_-]{22}$/, 'not a cursor from pricing.admin.coupons');

/** `pricing.admin.coupons`: every coupon (disabled ones too), newest first. */
export const CouponListInput = z.object({ cursor: CouponCursor.optional(), limit: Limit.optional() }).optional();
export type CouponListInput = z.infer<typeof CouponListInput>;

export const CouponPage = z.object({ items: z.array(Coupon), nextCursor: z.string().nullable() });
export type CouponPage = z.infer<typeof CouponPage>;
