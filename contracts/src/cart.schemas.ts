import { z } from 'zod';
import { Id, SafeString } from './common.schemas';
import { StockStatus } from './inventory.schemas';
import { PurchaseLimit } from './catalog.schemas';
import { CouponInvalidReason } from './pricing.schemas';
import { GuestToken, MergeReport } from './identity.schemas';

/** Cart procedures (docs/api.md, cart). Money: integers in minor units of `currency`. */
const Money = z.number().int();

export const CartItemView = z.object({
  id: z.string(),
  skuId: z.string(),
  productId: z.string().nullable(),
  productName: z.string(),
  image: z.string().nullable(),
  spec: z.record(z.string(), z.string()),
  /** The SKU's current price. */
  unitPrice: Money,
  /**
   * The price the customer was shown and agreed to: set when the line is added (and by every new add
   * of its SKU), changed otherwise only by `cart.acceptPrices` — never by reading the cart. Checkout
   * refuses a line whose price rose above it (PRICE_CHANGED) and sells a cheaper one at the lower price.
   */
  addedPrice: Money,
  /** unitPrice ≠ addedPrice (the warnings say which way). */
  priceChanged: z.boolean(),
  quantity: z.number().int(),
  /** unitPrice × quantity. */
  subtotal: Money,
  selected: z.boolean(),
  /** For sale (published product, active SKU) and enough stock for the line's quantity. */
  available: z.boolean(),
  stockStatus: StockStatus,
  /** What this line could hold: free stock plus the cart's own hold. */
  availableStock: z.number().int(),
  addedAt: z.string(),
});
export type CartItemView = z.infer<typeof CartItemView>;

/**
 * The coupon applied to the cart. It stays applied while it does not apply (`valid: false`, the
 * `reason`, `discount` 0: min spend not met after a deselect, expired, used up) so the customer sees why.
 */
export const CartCoupon = z.object({
  code: z.string(),
  valid: z.boolean(),
  reason: CouponInvalidReason.nullable(),
  /** What it takes off the selected amount now (minor units). */
  discount: Money,
});
export type CartCoupon = z.infer<typeof CartCoupon>;

/**
 * What the customer should know about a line before checking out (`cart.get`'s `warnings`, in the
 * items' order), computed from the view itself: `price_up`/`price_down` — the price now differs from
 * the agreed one (`seenPrice` = addedPrice; a rise is refused at checkout until accepted);
 * `unavailable` — the line cannot be bought now (`reason`: `not_for_sale`, or `stock` below its
 * quantity); `low_stock` — buyable, but only `available` units are left for it; `limit` — the SKU
 * has a purchase limit (`limit` units per customer — this cart plus their orders — within its window,
 * `startsAt`/`endsAt`, null: unbounded; outside the window it does not apply), so adds past it are
 * PURCHASE_LIMIT.
 */
export const CartWarning = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('price_up'),
    itemId: z.string(),
    skuId: z.string(),
    seenPrice: Money,
    currentPrice: Money,
  }),
  z.object({
    kind: z.literal('price_down'),
    itemId: z.string(),
    skuId: z.string(),
    seenPrice: Money,
    currentPrice: Money,
  }),
  z.object({
    kind: z.literal('unavailable'),
    itemId: z.string(),
    skuId: z.string(),
    reason: z.enum(['not_for_sale', 'stock']),
  }),
  z.object({ kind: z.literal('low_stock'), itemId: z.string(), skuId: z.string(), available: z.number().int() }),
  z.object({ kind: z.literal('limit'), itemId: z.string(), skuId: z.string() }).extend(PurchaseLimit.shape),
]);
export type CartWarning = z.infer<typeof CartWarning>;

export const CartView = z.object({
  /** The caller's active cart; null until the first line is added (and after `clear`). */
  id: z.string().nullable(),
  currency: z.string(),
  items: z.array(CartItemView),
  totalItems: z.number().int(),
  totalQuantity: z.number().int(),
  totalAmount: Money,
  selectedCount: z.number().int(),
  selectedAmount: Money,
  /** The applied coupon's discount on the selected available lines (0 without a valid coupon). */
  discountAmount: Money,
  /** selectedAmount − discountAmount. */
  payableAmount: Money,
  /** The applied coupon (null: none). */
  coupon: CartCoupon.nullable(),
  warnings: z.array(CartWarning),
});
export type CartView = z.infer<typeof CartView>;

export const CartCountOutput = z.object({ totalQuantity: z.number().int() });
export type CartCountOutput = z.infer<typeof CartCountOutput>;

export const CartAddItemInput = z.object({
  skuId: Id,
  quantity: z.number().int().min(1).max(999),
  idempotencyKey: SafeString.min(1).max(200).optional(),
});
export type CartAddItemInput = z.infer<typeof CartAddItemInput>;

export const CartUpdateQuantityInput = z.object({ itemId: Id, quantity: z.number().int().min(0).max(999) });
export type CartUpdateQuantityInput = z.infer<typeof CartUpdateQuantityInput>;

export const CartRemoveItemInput = z.object({ itemId: Id });
export type CartRemoveItemInput = z.infer<typeof CartRemoveItemInput>;

export const CartRemoveItemsInput = z.object({ itemIds: z.array(Id).min(1).max(50) });
export type CartRemoveItemsInput = z.infer<typeof CartRemoveItemsInput>;

export const CartSelectInput = z.object({ itemIds: z.array(Id).min(1).max(100), selected: z.boolean() });
export type CartSelectInput = z.infer<typeof CartSelectInput>;

export const CartSelectAllInput = z.object({ selected: z.boolean() });
export type CartSelectAllInput = z.infer<typeof CartSelectAllInput>;

/** `cart.acceptPrices`: these lines (default: every line) take the SKU's current price as their agreed price. */
export const CartAcceptPricesInput = z.object({ itemIds: z.array(Id).min(1).max(100).optional() }).optional();
export type CartAcceptPricesInput = z.infer<typeof CartAcceptPricesInput>;

/** `cart.applyCoupon`: codes are case-insensitive. */
export const CartApplyCouponInput = z.object({ code: SafeString.trim().min(1).max(50) });
export type CartApplyCouponInput = z.infer<typeof CartApplyCouponInput>;

/** `cart.changed` (v1): a cart's lines or status changed; `owner` lets every process find its subscribers. */
export const CartChangedV1 = z.object({
  cartId: z.string(),
  owner: z.object({ type: z.enum(['user', 'guest']), id: z.string() }),
  reason: z.string(),
});
export type CartChangedV1 = z.infer<typeof CartChangedV1>;

/** `cart.mergePreview`: the guest token whose cart a sign-in would merge. */
export const CartMergePreviewInput = z.object({ guestToken: GuestToken });
export type CartMergePreviewInput = z.infer<typeof CartMergePreviewInput>;

/** Why a merged line gets less than the guest's quantity added. */
export const MergeCapReason = z.enum(['quantity_limit', 'line_limit', 'stock', 'purchase_limit']);
export type MergeCapReason = z.infer<typeof MergeCapReason>;

/** One guest line in `cart.mergePreview`: what the merge would do to the user's line of that SKU. */
export const CartMergePreviewItem = z.object({
  skuId: z.string(),
  productName: z.string(),
  guestQuantity: z.number().int(),
  /** The user's quantity of this SKU now (0: no line) and after the merge (equal: unchanged). */
  quantityBefore: z.number().int(),
  quantityAfter: z.number().int(),
  /** quantityBefore + guestQuantity. */
  requested: z.number().int(),
  /** Why quantityAfter < requested; null when not capped. */
  capped: MergeCapReason.nullable(),
  /** The price the merged line keeps as agreed (the user's line's, else the guest line's). */
  agreedPrice: Money,
  /** The SKU's price now (null: no longer in the catalog). */
  currentPrice: Money.nullable(),
  priceChange: z.enum(['up', 'down']).nullable(),
});
export type CartMergePreviewItem = z.infer<typeof CartMergePreviewItem>;

/** `lines` and `capped` are exactly what the merge then reports (auth.login's `merge`). */
export const CartMergePreview = MergeReport.extend({ items: z.array(CartMergePreviewItem) });
export type CartMergePreview = z.infer<typeof CartMergePreview>;
