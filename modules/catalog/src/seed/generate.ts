import { createHash } from 'node:crypto';
import { v7 } from 'uuid';
import {
  BRANDS,
  CATEGORY_TREE,
  ENGLISH_MODELS,
  MODIFIERS,
  ORIGINS,
  SELLING_POINTS,
  isBranch,
  type SeedBranch,
  type SeedLeaf,
} from './seed-data';

// Everything here is a pure function of the product's index, so every run (and every machine)
// generates the same ids, names, codes and prices: that is what makes the seed idempotent.

/** Seeded rows' ids are UUIDv7 stamped from this instant on, so later products sort as newer. */
const SEED_EPOCH_MS = Date.UTC(2025, 0, 1);

/** A deterministic UUIDv7: time-ordered by `n`, its random bits a hash of `kind:n`. */
export function seedId(kind: string, n: number, msecs: number): string {
  const random = createHash('sha256').update(`zjmall-seed:${kind}:${n}`).digest().subarray(0, 16);
  return v7({ msecs, random });
}

/** A small fast PRNG (mulberry32) seeded per product. */
function rngFor(n: number) {
  let a = createHash('sha256').update(`zjmall-seed-rng:${n}`).digest().readUInt32LE(0);
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)];
  return { next, int, pick };
}

export interface SeedCategory {
  key: string;
  name: string;
  parentKey: string | null;
  sort: number;
  depth: number;
}

export interface SeedLeafRef {
  key: string;
  leaf: SeedLeaf;
}

/** The tree flattened parents-first; a category's key is its path of names (`手机数码/手机`). */
export function flattenTree(tree: SeedBranch[] = CATEGORY_TREE): { categories: SeedCategory[]; leaves: SeedLeafRef[] } {
  const categories: SeedCategory[] = [];
  const leaves: SeedLeafRef[] = [];
  const walk = (nodes: (SeedBranch | SeedLeaf)[], parentKey: string | null, depth: number) => {
    nodes.forEach((node, i) => {
      const key = parentKey ? `${parentKey}/${node.name}` : node.name;
      categories.push({ key, name: node.name, parentKey, sort: (i + 1) * 10, depth });
      if (isBranch(node)) walk(node.children, key, depth + 1);
      else leaves.push({ key, leaf: node });
    });
  };
  walk(tree, null, 0);
  return { categories, leaves };
}

export interface SeedSku {
  id: string;
  code: string;
  spec: Record<string, string>;
  price: number;
  costPrice: number;
  onHand: number;
}

export interface SeedProduct {
  id: string;
  name: string;
  description: string;
  images: string[];
  attributes: Record<string, string>;
  categoryKey: string;
  brand: string;
  skus: SeedSku[];
}

/** The demo products' images are served by the shop itself (demo-image.ts), so a demo needs no internet. */
export const DEMO_MEDIA_PREFIX = '/media/demo/';
/** Demo images per product (`product-<n>-1.svg`, `product-<n>-2.svg`). */
export const DEMO_IMAGES_PER_PRODUCT = 2;

/** Root-relative URLs of the `n`-th demo product's images (what the seed stores). */
export function demoImageUrls(n: number): string[] {
  return Array.from({ length: DEMO_IMAGES_PER_PRODUCT }, (_, i) => `${DEMO_MEDIA_PREFIX}product-${n}-${i + 1}.svg`);
}

/** Yuan to fen, at a shop's usual price points (¥299.00, ¥39.90, ¥9.90). */
function pricePoint(yuan: number): number {
  if (yuan >= 100) return (Math.round(yuan / 10) * 10 - 1) * 100;
  if (yuan >= 20) return Math.round(yuan) * 100 - 10;
  return Math.max(1, Math.round(yuan)) * 100 - 10;
}

const brandEn = new Map(BRANDS.map((b) => [b.name, b.en]));
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The `n`-th demo product (0-based): round-robin over the leaf categories. */
export function generateProduct(n: number, leaves: SeedLeafRef[]): SeedProduct {
  const { key, leaf } = leaves[n % leaves.length];
  const local = Math.floor(n / leaves.length);
  const rng = rngFor(n);
  const brand = rng.pick(leaf.brands);
  if (!brandEn.has(brand)) throw new Error(`seed data: brand ${brand} of ${key} is not in BRANDS`);
  const en = brandEn.get(brand);

  let name: string;
  if (leaf.name === '耳机' && local === 0) name = '无线蓝牙耳机';
  else if (leaf.english && en && rng.next() < 0.25)
    name = `${en} ${rng.pick(leaf.english)} ${rng.pick(ENGLISH_MODELS)}`;
  else name = `${brand} ${rng.pick(leaf.nouns)}${rng.pick(MODIFIERS)}`;

  // Each spec key takes a run of its values: the first 2..all of them, the others 1..5.
  const dims = leaf.specs.map(([specKey, values], d) => {
    const count = d === 0 ? rng.int(Math.min(2, values.length), values.length) : rng.int(1, Math.min(5, values.length));
    const start = rng.int(0, values.length - count);
    return { specKey, picked: values.slice(start, start + count).map((v, i) => ({ v, rank: start + i })) };
  });
  const base = leaf.price[0] + (leaf.price[1] - leaf.price[0]) * rng.next() ** 2;
  const combos = dims.reduce<{ spec: Record<string, string>; rank0: number }[]>(
    (acc, dim, d) =>
      acc.flatMap((c) =>
        dim.picked.map((p) => ({ spec: { ...c.spec, [dim.specKey]: p.v }, rank0: d === 0 ? p.rank : c.rank0 })),
      ),
    [{ spec: {}, rank0: 0 }],
  );
  const productMs = SEED_EPOCH_MS + n * 60_000;
  const skus: SeedSku[] = combos.map((c, j) => {
    const price = pricePoint(leaf.pricedFirstSpec ? base * (1 + 0.2 * c.rank0) : base);
    const r = rng.next();
    const onHand = r < 0.06 ? 0 : r < 0.16 ? rng.int(1, 9) : rng.int(10, 999);
    return {
      id: seedId('sku', n * 1000 + j, productMs + j + 1),
      code: `ZJS-${pad(n, 6)}-${pad(j + 1, 2)}`,
      spec: c.spec,
      price,
      costPrice: Math.round(price * (0.55 + rng.next() * 0.2)),
      onHand,
    };
  });
  return {
    id: seedId('product', n, productMs),
    name,
    description: `${name}。${rng.pick(SELLING_POINTS)}，${rng.pick(SELLING_POINTS)}。`,
    images: demoImageUrls(n),
    attributes: { 品牌: brand, 产地: rng.pick(ORIGINS), 上市时间: `${rng.int(2023, 2025)}年${rng.int(1, 12)}月` },
    categoryKey: key,
    brand,
    skus,
  };
}
