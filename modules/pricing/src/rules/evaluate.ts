import { KIND_PERCENT, MODE_NONE, MODE_TEN_FEN, MODE_X99, MODE_YUAN, type Program, type SkuChunk } from './program';

/**
 * amount × bp / 10 000 in whole fen (half up), exact for any safe amount: the amount is split at
 * 10 000 so no intermediate product leaves the exactly representable integers.
 */
export function percentOf(amount: number, bp: number): number {
  const q = Math.trunc(amount / 10_000);
  const r = amount - q * 10_000;
  return q * bp + Math.round((r * bp) / 10_000);
}

/** ⌈amount × bp / 10 000⌉ for amount, bp ≥ 0 (the margin floor never rounds below the margin). */
export function percentOfCeil(amount: number, bp: number): number {
  const q = Math.trunc(amount / 10_000);
  const r = amount - q * 10_000;
  return q * bp + Math.ceil((r * bp) / 10_000);
}

export function roundPrice(price: number, mode: number): number {
  switch (mode) {
    case MODE_YUAN:
      return Math.round(price / 100) * 100;
    case MODE_TEN_FEN:
      return Math.round(price / 10) * 10;
    case MODE_X99:
      // the nearest n.99 (n ≥ 0): 12.40 → 11.99, 12.60 → 12.99
      return Math.max(99, Math.round((price + 1) / 100) * 100 - 1);
    default:
      return price;
  }
}

function inBits(bits: Uint8Array, off: number, index: number): boolean {
  return off < 0 || (index >= 0 && bits[off + index] === 1);
}

/**
 * Pure evaluation of one chunk: for every SKU, the rules in order (each on the running price), then
 * the rounding tier, then the margin floor. A SKU that no rule matches keeps its price untouched.
 * Writes the new prices to `out` and returns how many differ from the old ones.
 */
export function evaluateChunk(p: Program, c: SkuChunk, out: Float64Array): number {
  const { rules, kind, amount, stop, catOff, brandOff, listOff, bits, condStart, condCount, condMask, attrWords } = p;
  let changed = 0;
  for (let i = 0; i < c.length; i++) {
    const old = c.price[i];
    let price = old;
    let matched = false;
    const cat = c.cat[i];
    const brand = c.brand[i];
    const listed = c.listed[i];
    const attrBase = i * attrWords;
    for (let r = 0; r < rules; r++) {
      if (!inBits(bits, catOff[r], cat) || !inBits(bits, brandOff[r], brand) || !inBits(bits, listOff[r], listed))
        continue;
      let ok = true;
      for (let k = condStart[r], end = k + condCount[r]; ok && k < end; k++) {
        let hit = false;
        for (let w = 0; w < attrWords; w++) {
          if ((c.attrs[attrBase + w] & condMask[k * attrWords + w]) !== 0) {
            hit = true;
            break;
          }
        }
        ok = hit;
      }
      if (!ok) continue;
      matched = true;
      price += kind[r] === KIND_PERCENT ? percentOf(price, amount[r]) : amount[r];
      if (price < 0) price = 0;
      if (stop[r] === 1) break;
    }
    if (matched) {
      for (let t = 0; t < p.tierMode.length; t++) {
        if (price < p.tierBelow[t]) {
          if (p.tierMode[t] !== MODE_NONE) price = roundPrice(price, p.tierMode[t]);
          break;
        }
      }
      const cost = c.cost[i];
      if (p.marginBp >= 0 && cost >= 0) {
        const floor = cost + percentOfCeil(cost, p.marginBp);
        if (price < floor) price = floor;
      }
    }
    out[i] = price;
    if (price !== old) changed++;
  }
  return changed;
}
