import { z } from 'zod';

// pricing.admin.* (API.md, "pricing"). Money is integer minor units (fen).

const Id = z.string().uuid();

/** One attribute condition: the SKU's spec or its product's attributes has `key` equal to one of `values`. */
export const AttributeCondition = z.object({
  key: z.string().min(1).max(100),
  values: z.array(z.string().max(200)).min(1).max(50),
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
    value: z.number().min(-100).max(1000).refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, 'at most two decimals'),
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
  .object({ startsAt: z.iso.datetime({ offset: true }), endsAt: z.iso.datetime({ offset: true }) })
  .refine((w) => Date.parse(w.endsAt) > Date.parse(w.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] });
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
