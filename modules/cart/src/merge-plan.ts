import type { CartLine } from './types';

export type MergeCapReason = 'quantity_limit' | 'line_limit' | 'stock' | 'purchase_limit';

/** What a guest-cart merge does to one guest line (the merge and its preview both follow it). */
export interface MergePlanLine {
  skuId: string;
  /** The guest line's quantity and agreed price. */
  guestQuantity: number;
  guestPrice: number;
  /** The user's line of this SKU before the merge (null: none, the guest line would be inserted). */
  existing: CartLine | null;
  /** The user's quantity before and after; `after === before`: the line does not change. */
  before: number;
  after: number;
  /** before + the guest's quantity. */
  requested: number;
  /** Why `after < requested` (null: not capped). */
  reason: MergeCapReason | null;
}

export interface MergePlanInput {
  guestLines: CartLine[];
  userLines: CartLine[];
  /** Free stock per SKU (on hand minus reserved) now. */
  available: Map<string, number>;
  /** Whether the user's cart holds its lines (then the user's own quantity counts as stock they have). */
  held: boolean;
  maxLines: number;
  maxQuantity: number;
  /** Units of a SKU the user may still have in the cart under its purchase limit (absent: no limit). */
  limitRoom?: Map<string, number>;
}

/**
 * The merge, decided without touching anything: guest lines oldest first; the same SKU adds its
 * quantity to the user's line, capped by CART_MAX_QUANTITY, a purchase limit and what the user can
 * have (free stock, plus the user's own hold); a new SKU past CART_MAX_LINES is left out. Pure, so
 * `cart.mergePreview` and the merge itself cannot disagree.
 */
export function planMerge(input: MergePlanInput): MergePlanLine[] {
  const bySku = new Map(input.userLines.map((l) => [l.skuId, l]));
  let lineCount = input.userLines.length;
  const plan: MergePlanLine[] = [];
  for (const gl of [...input.guestLines].reverse()) {
    const existing = bySku.get(gl.skuId) ?? null;
    const before = existing?.quantity ?? 0;
    const requested = before + gl.quantity;
    const line = {
      skuId: gl.skuId,
      guestQuantity: gl.quantity,
      guestPrice: gl.addedPrice,
      existing,
      before,
      requested,
    };
    if (!existing && lineCount >= input.maxLines) {
      plan.push({ ...line, after: before, reason: 'line_limit' });
      continue;
    }
    let after = requested;
    let reason: MergeCapReason | null = null;
    if (after > input.maxQuantity) [after, reason] = [input.maxQuantity, 'quantity_limit'];
    const room = input.limitRoom?.get(gl.skuId);
    if (room !== undefined && after > room) [after, reason] = [Math.max(before, room), 'purchase_limit'];
    const couldHave = (input.available.get(gl.skuId) ?? 0) + (input.held ? before : 0);
    if (after > couldHave) [after, reason] = [Math.max(before, couldHave), 'stock'];
    plan.push({ ...line, after, reason });
    if (after > before && !existing) lineCount++;
  }
  return plan;
}
