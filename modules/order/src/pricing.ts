/**
 * Splits `discount` over lines in proportion to their subtotals, in whole minor units (largest
 * remainder): every line gets floor(share), and the units left go to the largest fractional
 * parts (ties: the earlier line). The parts add up to `discount` exactly and no line gets more
 * than its subtotal. Integer arithmetic only (BigInt for the products), so no float touches money.
 */
export function allocateDiscount(subtotals: number[], discount: number): number[] {
  const total = subtotals.reduce((a, b) => a + b, 0);
  if (discount <= 0 || total <= 0) return subtotals.map(() => 0);
  if (discount >= total) return [...subtotals];
  const D = BigInt(discount);
  const T = BigInt(total);
  const parts = subtotals.map((s, i) => {
    const num = BigInt(s) * D;
    return { i, base: Number(num / T), rem: num % T };
  });
  let left = discount - parts.reduce((a, p) => a + p.base, 0);
  const order = [...parts].sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  for (const p of order) {
    if (left === 0) break;
    p.base += 1;
    left -= 1;
  }
  return parts.map((p) => p.base);
}

export interface PricedLine {
  skuId: string;
  unitPrice: number;
  quantity: number;
  subtotal: number;
  discount: number;
  paid: number;
}

export interface Totals {
  itemsAmount: number;
  discountAmount: number;
  shippingAmount: number;
  payableAmount: number;
}

/** Order totals from unit prices (integers): discount allocated to the lines, shipping per order. */
export function priceLines(
  lines: { skuId: string; unitPrice: number; quantity: number }[],
  discount: number,
  shipping: number,
) {
  const subtotals = lines.map((l) => l.unitPrice * l.quantity);
  for (const s of subtotals)
    if (!Number.isSafeInteger(s)) throw new RangeError('line subtotal exceeds the safe integer range');
  const itemsAmount = subtotals.reduce((a, b) => a + b, 0);
  const discountAmount = Math.min(discount, itemsAmount);
  const shares = allocateDiscount(subtotals, discountAmount);
  const priced: PricedLine[] = lines.map((l, i) => ({
    ...l,
    subtotal: subtotals[i],
    discount: shares[i],
    paid: subtotals[i] - shares[i],
  }));
  const totals: Totals = {
    itemsAmount,
    discountAmount,
    shippingAmount: shipping,
    payableAmount: itemsAmount - discountAmount + shipping,
  };
  return { lines: priced, totals };
}
