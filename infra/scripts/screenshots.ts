import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../tests/support/browser';

/**
 * `npm run screenshots [-- --url http://127.0.0.1:3000] [--data-dir .data]`: the README's and the
 * docs' pictures, taken with the same Chromium the browser tests use, from a running shop
 * (`npm start`, which seeds the demo catalog on first run). Writes docs/images/storefront.png and,
 * signed in as the demo admin (`<data-dir>/seed-users.json`, or ADMIN_EMAIL/ADMIN_PASSWORD),
 * docs/images/admin-dashboard.png and docs/images/admin-product.png.
 */
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const url = arg('--url') ?? process.env.SHOP_URL ?? 'http://127.0.0.1:3000';
const dataDir = resolve(arg('--data-dir') ?? process.env.DATA_DIR ?? '.data');
const images = resolve(import.meta.dirname, '../../docs/images');

function adminCredentials(): { email: string; password: string } | null {
  if (process.env.ADMIN_EMAIL && process.env.ADMIN_PASSWORD)
    return { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD };
  const file = resolve(dataDir, 'seed-users.json');
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, 'utf8')) as { admin: { email: string; password: string } }).admin;
}

/** Every image in view decoded, so the picture is what a person sees. */
async function settle(page: Page) {
  await page.waitForLoadState('networkidle');
  await page.evaluate(() =>
    Promise.all(
      [...document.images]
        .filter((img) => !img.complete)
        .map((img) => new Promise((r) => img.addEventListener('load', r, { once: true }))),
    ),
  );
}

async function shoot(page: Page, name: string) {
  const out = resolve(images, name);
  await page.screenshot({ path: out, type: 'png' });
  console.log(`wrote ${out}`);
}

mkdirSync(images, { recursive: true });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1200, height: 760 } });
  await page.goto(url);
  await page.locator('.grid .card img').first().waitFor();
  await settle(page);
  await shoot(page, 'storefront.png');

  const admin = adminCredentials();
  if (!admin) {
    console.log(
      `no admin credentials (${resolve(dataDir, 'seed-users.json')} or ADMIN_EMAIL/ADMIN_PASSWORD): the console's pictures are skipped`,
    );
  } else {
    const console_ = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    await console_.goto(`${url}/admin`);
    await console_.getByLabel('邮箱').fill(admin.email);
    await console_.getByLabel('密码').fill(admin.password);
    await console_.getByRole('button', { name: '登录' }).click();
    await console_.getByRole('heading', { name: '概览' }).waitFor();
    await settle(console_);
    await shoot(console_, 'admin-dashboard.png');
    await console_.getByRole('navigation').getByRole('link', { name: '商品' }).click();
    await console_.locator('table.data tbody a').first().click();
    await console_.getByRole('heading', { name: /编辑商品/ }).waitFor();
    await settle(console_);
    await shoot(console_, 'admin-product.png');
  }
} finally {
  await browser.close();
}
