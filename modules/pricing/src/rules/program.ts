// The compiled form of a rule set and of a chunk of SKUs: typed arrays only, so both cross to a
// worker thread by structured clone (the program, once per task, a few KB) or by transfer (chunks).
// No imports: this file and evaluate.ts are all the worker loads.

export const KIND_PERCENT = 0;
export const KIND_FIXED = 1;
export const MODE_NONE = 0;
export const MODE_YUAN = 1;
export const MODE_X99 = 2;
export const MODE_TEN_FEN = 3;

/** A rule set compiled against a job's dictionaries (categories, brands, listed SKUs, attribute values). */
export interface Program {
  rules: number;
  /** Per rule: KIND_PERCENT (amount in basis points) or KIND_FIXED (amount in fen). */
  kind: Uint8Array;
  amount: Float64Array;
  stop: Uint8Array;
  /** Per rule: offset of its bitmap in `bits` over the category / brand / listed-SKU dictionary, −1 = any. */
  catOff: Int32Array;
  brandOff: Int32Array;
  listOff: Int32Array;
  bits: Uint8Array;
  /** Per rule: its attribute conditions are conditions condStart … condStart+condCount−1. */
  condStart: Int32Array;
  condCount: Int32Array;
  /** Per condition: `attrWords` words; a SKU meets it when its attribute bits share one with it. */
  condMask: Uint32Array;
  attrWords: number;
  /** Rounding tiers: the first tier with price < below rounds; Infinity = no bound. */
  tierBelow: Float64Array;
  tierMode: Uint8Array;
  /** Floor = cost + cost × marginBp / 10 000 (rounded up); −1 = no floor. */
  marginBp: number;
}

/** A chunk of SKUs, structure of arrays. Unknown brand / unlisted SKU = −1; no cost = −1. */
export interface SkuChunk {
  length: number;
  price: Float64Array;
  cost: Float64Array;
  cat: Int32Array;
  brand: Int32Array;
  listed: Int32Array;
  /** length × attrWords words: the SKU's attribute values that some rule mentions. */
  attrs: Uint32Array;
}

export function chunkBuffers(c: SkuChunk): ArrayBuffer[] {
  return [c.price, c.cost, c.cat, c.brand, c.listed, c.attrs].map((a) => a.buffer as ArrayBuffer);
}
