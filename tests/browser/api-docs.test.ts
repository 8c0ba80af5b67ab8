import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBff, type TestBff } from '../support/bff';
import { launchChromium, watch } from './harness';

/** `/docs` in real Chromium: Swagger UI renders the BFF's /openapi.json from the BFF's own files, offline. */
describe('API reference at /docs in Chromium', () => {
  let bff: TestBff;
  let browser: Browser;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'apidocs', jobs: false, webDir: null });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bff?.close();
  });

  it('lists the procedures, with no request leaving the BFF', async () => {
    const page = await browser.newPage();
    const w = watch(page);
    const foreign: string[] = [];
    const origin = new URL(bff.url).origin;
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    await page.goto(`${bff.url}/docs`);
    await page.getByText('/trpc/cart.addItem', { exact: true }).waitFor();
    await expect(page.getByText('/trpc/order.checkout', { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByText('zjmall API').count()).resolves.toBeGreaterThan(0);
    expect(foreign).toEqual([]);
    expect(w.problems).toEqual([]);
    await page.close();
  });
});
