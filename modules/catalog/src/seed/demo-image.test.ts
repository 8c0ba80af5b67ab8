import { describe, expect, it } from 'vitest';
import { demoImageSvg } from './demo-image';
import { demoImageUrls, flattenTree, generateProduct } from './generate';

describe('demo images', () => {
  it('are the seed’s root-relative URLs, one SVG per name: deterministic, with the product’s initial', () => {
    const { leaves } = flattenTree();
    const product = generateProduct(42, leaves);
    expect(product.images).toEqual(['/media/demo/product-42-1.svg', '/media/demo/product-42-2.svg']);
    expect(demoImageUrls(42)).toEqual(product.images);
    const a = demoImageSvg('product-42-1')!;
    expect(a).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*viewBox="0 0 800 800"/);
    expect(a.trim().endsWith('</svg>')).toBe(true);
    expect(a).toContain(`>${Array.from(product.name)[0]}</text>`);
    expect(demoImageSvg('product-42-1')).toBe(a);
    const b = demoImageSvg('product-42-2')!;
    expect(b).not.toBe(a);
    const fills = (svg: string) => [...svg.matchAll(/fill="([^"]+)"/g)].map((m) => m[1]);
    expect(fills(b)).not.toEqual(fills(a));
  });

  it('refuse every other name', () => {
    for (const name of [
      'product-0-3',
      'product-0-0',
      'product-01-1',
      'product-1000000-1',
      'product--1-1',
      'product-1',
      'x',
      '',
      '../product-1-1',
      'product-1-1.svg',
      'PRODUCT-1-1',
    ]) {
      expect(demoImageSvg(name), name).toBeNull();
    }
    expect(demoImageSvg('product-999999-2')).not.toBeNull();
  });
});
