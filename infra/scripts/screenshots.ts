import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { launchChromium } from '../../tests/support/browser';

/**
 * `npm run screenshots [-- --url http://127.0.0.1:3000]`: the README's picture of the storefront,
 * taken with the same Chromium the browser tests use, from a running shop (`npm start`, which seeds
 * the demo catalog on first run). Writes docs/images/storefront.png.
 */
const i = process.argv.indexOf('--url');
const url = (i >= 0 ? process.argv[i + 1] : process.env.SHOP_URL) ?? 'http://127.0.0.1:3000';
const out = resolve(import.meta.dirname, '../../docs/images/storefront.png');

const browser = await launchChromium();
try {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1200, height: 760 } });
  await page.goto(url, { waitUntil: 'networkidle' });
  await page.locator('.grid .card img').first().waitFor();
  // Every image in view decoded, so the picture is what a shopper sees.
  await page.evaluate(() => Promise.all([...document.images].filter((img) => !img.complete).map((img) => new Promise((r) => img.addEventListener('load', r, { once: true })))));
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, type: 'png' });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
