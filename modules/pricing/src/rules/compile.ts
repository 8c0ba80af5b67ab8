import type { PriceRule, RecalculateInput, RoundingMode } from '@zjmall/contracts';
import {
  KIND_FIXED,
  KIND_PERCENT,
  MODE_NONE,
  MODE_TEN_FEN,
  MODE_X99,
  MODE_YUAN,
  type Program,
  type SkuChunk,
} from './program';

/** What the evaluation needs of one SKU (catalog's pricing feed row). */
export interface PricingSku {
  skuId: string;
  price: number;
  costPrice: number | null;
  categoryId: string;
  brandId: string | null;
  /** The product's attributes and the SKU's spec; the spec wins on a shared key. */
  attributes: Record<string, string>;
  spec: Record<string, string>;
}

export interface CategoryPath {
  id: string;
  /** Ancestors' ids, then its own. */
  path: string[];
}

export type RuleSet = Pick<RecalculateInput, 'rules' | 'rounding' | 'minMargin'>;

export interface CompiledRules {
  program: Program;
  /** Encodes SKUs into a chunk with this program's dictionaries. */
  encode(skus: readonly PricingSku[]): SkuChunk;
}

const MODES: Record<RoundingMode, number> = { none: MODE_NONE, yuan: MODE_YUAN, x99: MODE_X99, ten_fen: MODE_TEN_FEN };

function dictionary(values: Iterable<string>): Map<string, number> {
  const d = new Map<string, number>();
  for (const v of values) if (!d.has(v)) d.set(v, d.size);
  return d;
}

/**
 * Compiles a rule set once per job: scopes become bitmaps over dictionaries (every category, with
 * a rule's categories expanded to their descendants through the paths; the brands, SKUs and
 * attribute values the rules mention), adjustments become basis points or fen.
 */
export function compileRules(set: RuleSet, categories: readonly CategoryPath[]): CompiledRules {
  const rules: PriceRule[] = set.rules;
  const n = rules.length;
  const catDict = dictionary(categories.map((c) => c.id));
  const brandDict = dictionary(rules.flatMap((r) => r.scope?.brandIds ?? []));
  const listDict = dictionary(rules.flatMap((r) => r.scope?.skuIds ?? []));
  // attribute key → value → bit
  const atoms = new Map<string, Map<string, number>>();
  let atomCount = 0;
  for (const r of rules) {
    for (const cond of r.scope?.attributes ?? []) {
      const values = atoms.get(cond.key) ?? new Map<string, number>();
      atoms.set(cond.key, values);
      for (const v of cond.values) if (!values.has(v)) values.set(v, atomCount++);
    }
  }
  const attrWords = Math.max(1, Math.ceil(atomCount / 32));

  const kind = new Uint8Array(n);
  const amount = new Float64Array(n);
  const stop = new Uint8Array(n);
  const catOff = new Int32Array(n).fill(-1);
  const brandOff = new Int32Array(n).fill(-1);
  const listOff = new Int32Array(n).fill(-1);
  const condStart = new Int32Array(n);
  const condCount = new Int32Array(n);
  const bitmaps: Uint8Array[] = [];
  let bitsLength = 0;
  const addBitmap = (bm: Uint8Array) => {
    bitmaps.push(bm);
    bitsLength += bm.length;
    return bitsLength - bm.length;
  };
  const conds: Uint32Array[] = [];

  rules.forEach((rule, r) => {
    if (rule.adjust.kind === 'percent') {
      kind[r] = KIND_PERCENT;
      amount[r] = Math.round(rule.adjust.value * 100);
    } else {
      kind[r] = KIND_FIXED;
      amount[r] = rule.adjust.amount;
    }
    stop[r] = rule.stop ? 1 : 0;
    const scope = rule.scope ?? {};
    if (scope.categoryIds) {
      const wanted = new Set(scope.categoryIds);
      const bm = new Uint8Array(catDict.size);
      for (const c of categories) if (c.path.some((id) => wanted.has(id))) bm[catDict.get(c.id)!] = 1;
      catOff[r] = addBitmap(bm);
    }
    if (scope.brandIds) {
      const bm = new Uint8Array(brandDict.size);
      for (const id of scope.brandIds) bm[brandDict.get(id)!] = 1;
      brandOff[r] = addBitmap(bm);
    }
    if (scope.skuIds) {
      const bm = new Uint8Array(listDict.size);
      for (const id of scope.skuIds) bm[listDict.get(id)!] = 1;
      listOff[r] = addBitmap(bm);
    }
    condStart[r] = conds.length;
    for (const cond of scope.attributes ?? []) {
      const mask = new Uint32Array(attrWords);
      for (const v of cond.values) {
        const bit = atoms.get(cond.key)!.get(v)!;
        mask[bit >>> 5] |= 1 << (bit & 31);
      }
      conds.push(mask);
    }
    condCount[r] = conds.length - condStart[r];
  });

  const bits = new Uint8Array(bitsLength);
  let at = 0;
  for (const bm of bitmaps) {
    bits.set(bm, at);
    at += bm.length;
  }
  const condMask = new Uint32Array(conds.length * attrWords);
  conds.forEach((m, k) => condMask.set(m, k * attrWords));
  const tiers = set.rounding ?? [];
  const program: Program = {
    rules: n,
    kind,
    amount,
    stop,
    catOff,
    brandOff,
    listOff,
    bits,
    condStart,
    condCount,
    condMask,
    attrWords,
    tierBelow: Float64Array.from(tiers, (t) => t.below ?? Infinity),
    tierMode: Uint8Array.from(tiers, (t) => MODES[t.mode]),
    marginBp: set.minMargin === undefined ? -1 : Math.round(set.minMargin * 10_000),
  };

  function encode(skus: readonly PricingSku[]): SkuChunk {
    const len = skus.length;
    const chunk: SkuChunk = {
      length: len,
      price: new Float64Array(len),
      cost: new Float64Array(len),
      cat: new Int32Array(len),
      brand: new Int32Array(len),
      listed: new Int32Array(len),
      attrs: new Uint32Array(len * attrWords),
    };
    for (let i = 0; i < len; i++) {
      const s = skus[i];
      chunk.price[i] = s.price;
      chunk.cost[i] = s.costPrice ?? -1;
      chunk.cat[i] = catDict.get(s.categoryId) ?? -1;
      chunk.brand[i] = s.brandId === null ? -1 : (brandDict.get(s.brandId) ?? -1);
      chunk.listed[i] = listDict.get(s.skuId) ?? -1;
      for (const [key, values] of atoms) {
        const v = s.spec[key] ?? s.attributes[key];
        const bit = v === undefined ? undefined : values.get(v);
        if (bit !== undefined) chunk.attrs[i * attrWords + (bit >>> 5)] |= 1 << (bit & 31);
      }
    }
    return chunk;
  }

  return { program, encode };
}
