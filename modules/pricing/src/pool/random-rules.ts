// Random SKUs and a realistic rule set (scoped by category, brand, SKU list and attributes), for
// the pool-equals-inline test and infra/bench/reprice.ts. Seeded, so a run can be repeated.
import type { PriceRule, RecalculateInput } from '@zjmall/contracts';
import type { CategoryPath, PricingSku } from '../rules/compile';

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0; // mulberry32
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface RandomCatalog {
  categories: CategoryPath[];
  brands: string[];
  skus: PricingSku[];
}

const COLORS = ['red', 'blue', 'black', 'white', 'green', 'gold'];
const SIZES = ['S', 'M', 'L', 'XL'];
const MATERIALS = ['棉', '麻', '丝', '羊毛'];

export function randomCatalog(rand: () => number, skuCount: number, ids: () => string = counterIds()): RandomCatalog {
  const categories: CategoryPath[] = [];
  for (let a = 0; a < 8; a++) {
    const top = ids();
    categories.push({ id: top, path: [top] });
    for (let b = 0; b < 5; b++) {
      const mid = ids();
      categories.push({ id: mid, path: [top, mid] });
      for (let c = 0; c < 3; c++) {
        const leaf = ids();
        categories.push({ id: leaf, path: [top, mid, leaf] });
      }
    }
  }
  const brands = Array.from({ length: 50 }, () => ids());
  const partial = { categories, brands };
  return { ...partial, skus: randomSkus(rand, partial, skuCount, ids) };
}

/** `count` SKUs in the leaf categories of `cat`, with brands, costs, specs and attributes. */
export function randomSkus(
  rand: () => number,
  cat: Pick<RandomCatalog, 'categories' | 'brands'>,
  count: number,
  ids: () => string,
): PricingSku[] {
  const leaves = cat.categories.filter((c) => c.path.length === 3);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  return Array.from({ length: count }, () => {
    const price = 100 + Math.floor(rand() * 200_000);
    return {
      skuId: ids(),
      price,
      costPrice: rand() < 0.8 ? Math.floor(price * (0.3 + rand() * 0.6)) : null,
      categoryId: pick(leaves).id,
      brandId: rand() < 0.9 ? pick(cat.brands) : null,
      attributes: { 材质: pick(MATERIALS) },
      spec: { color: pick(COLORS), size: pick(SIZES) },
    };
  });
}

export function counterIds(): () => string {
  let n = 0;
  return () => `id-${n++}`;
}

/** `count` rules, each with one or two conditions, plus rounding tiers and a margin floor. */
export function randomRuleSet(
  rand: () => number,
  cat: { categories: CategoryPath[]; brands: string[]; skus: readonly { skuId: string }[] },
  count: number,
): Pick<RecalculateInput, 'rules' | 'rounding' | 'minMargin'> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const rules: PriceRule[] = Array.from({ length: count }, (_, i) => {
    const adjust: PriceRule['adjust'] =
      rand() < 0.7
        ? { kind: 'percent', value: Math.round((rand() * 40 - 20) * 100) / 100 }
        : { kind: 'fixed', amount: Math.floor(rand() * 2_000 - 1_000) };
    const scope: NonNullable<PriceRule['scope']> = {};
    switch (i % 4) {
      case 0:
        scope.categoryIds = [pick(cat.categories).id, pick(cat.categories).id];
        break;
      case 1:
        scope.brandIds = Array.from({ length: 5 }, () => pick(cat.brands));
        scope.attributes = [{ key: 'color', values: [pick(COLORS), pick(COLORS)] }];
        break;
      case 2:
        scope.skuIds = Array.from({ length: 50 }, () => pick(cat.skus).skuId);
        break;
      default:
        scope.categoryIds = [pick(cat.categories).id];
        scope.attributes = [
          { key: '材质', values: [pick(MATERIALS)] },
          { key: 'size', values: [pick(SIZES), pick(SIZES)] },
        ];
    }
    return { scope, adjust, ...(rand() < 0.05 ? { stop: true } : {}) };
  });
  return {
    rules,
    rounding: [{ below: 1_000, mode: 'ten_fen' }, { below: 50_000, mode: 'x99' }, { mode: 'yuan' }],
    minMargin: 0.1,
  };
}
