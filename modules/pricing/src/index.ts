// pricing's public surface: nothing else is imported from outside this module.
export { createPricingService } from './pricing.service';
export type { PricingService, PricingServiceDeps } from './pricing.service';
export { createPricingRouter } from './pricing.router';
export type { PricingRouter } from './pricing.router';
export { createPriceJobRunner, DEFAULT_RUNNER_OPTIONS } from './jobs/job.runner';
export type { PriceJobRunner, PriceJobRunnerDeps, PriceJobRunnerOptions } from './jobs/job.runner';
export {
  createPricingPool,
  evaluate,
  evaluateInline,
  evaluateMany,
  sliceChunk,
  DEFAULT_INLINE_THRESHOLD,
} from './pool/pricing-pool';
export type { PricingPool } from './pool/pricing-pool';
export { compileRules } from './rules/compile';
export type { CategoryPath, CompiledRules, PricingSku, RuleSet } from './rules/compile';
export { evaluateChunk, percentOf, roundPrice } from './rules/evaluate';
export type { Program, SkuChunk } from './rules/program';
export { pricingMigrations } from './migrations';
// Coupons (cart and order call the service; the admin procedures are in pricing's router).
export { createCouponService } from './coupons/coupon.service';
export type {
  CouponAmount,
  CouponCheck,
  CouponQuote,
  CouponService,
  CouponServiceDeps,
} from './coupons/coupon.service';
export { discountOf, normalizeCode } from './coupons/coupon.rules';
// Seeded random catalogs and rule sets (tests and infra/bench/reprice.ts).
export { counterIds, randomCatalog, randomRuleSet, randomSkus, seededRandom } from './pool/random-rules';
