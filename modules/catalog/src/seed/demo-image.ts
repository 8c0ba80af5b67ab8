import { createHash } from 'node:crypto';
import { DEMO_IMAGES_PER_PRODUCT, flattenTree, generateProduct, type SeedLeafRef } from './generate';

export { DEMO_MEDIA_PREFIX, demoImageUrls } from './generate';
const MAX_PRODUCT = 999_999;

const NAME = /^product-(0|[1-9]\d{0,5})-([1-9])$/;
let leaves: SeedLeafRef[] | null = null;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The SVG of a demo image by its name (`product-<n>-<k>`), or null for any other name. Pure: the
 * colours and the shape come from a hash of the name, the letter is the product's initial (the
 * product is regenerated from its index, as the seed made it).
 */
export function demoImageSvg(name: string): string | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const n = Number(m[1]);
  const k = Number(m[2]);
  if (n > MAX_PRODUCT || k > DEMO_IMAGES_PER_PRODUCT) return null;
  leaves ??= flattenTree().leaves;
  const initial = Array.from(generateProduct(n, leaves).name)[0] ?? '?';
  const h = createHash('sha256').update(`zjmall-demo-image:${name}`).digest();
  const hue = (h.readUInt16LE(0) % 360) | 0;
  const accent = (hue + 150 + (h[2] % 60)) % 360;
  const bg = `hsl(${hue} 55% 90%)`;
  const fg = `hsl(${accent} 55% 55%)`;
  const ink = `hsl(${hue} 40% 25%)`;
  const shapes = [
    `<circle cx="400" cy="400" r="${230 + (h[3] % 60)}" fill="${fg}"/>`,
    `<rect x="${150 + (h[3] % 40)}" y="${150 + (h[4] % 40)}" width="480" height="480" rx="${40 + (h[5] % 80)}" fill="${fg}"/>`,
    `<polygon points="400,${110 + (h[3] % 40)} ${690 - (h[4] % 40)},640 ${110 + (h[5] % 40)},640" fill="${fg}"/>`,
  ];
  const shape = shapes[h[6] % shapes.length];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800" viewBox="0 0 800 800" role="img" aria-label="${esc(initial)}">
<rect width="800" height="800" fill="${bg}"/>
${shape}
<text x="400" y="400" dy=".35em" text-anchor="middle" font-family="system-ui, 'PingFang SC', 'Noto Sans CJK SC', sans-serif" font-size="260" font-weight="700" fill="${ink}">${esc(initial)}</text>
</svg>
`;
}
