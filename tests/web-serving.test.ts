import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBff, type TestBff } from './support/bff';

const INDEX = '<!doctype html><title>shop</title><script type="module" src="/assets/index-AbC123.js"></script>';

/** A stand-in for `vite build`'s output: what the BFF serves does not depend on how it was made. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zjmall-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log("shop")');
  writeFileSync(join(dir, 'robots.txt'), 'User-agent: *');
  return dir;
}
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('the web app served by the BFF', () => {
  let bff: TestBff;
  let dir: string;
  beforeAll(async () => {
    dir = fakeBuild();
    // A low limit: page loads must not count against it, API calls must.
    bff = await startTestBff({ label: 'web', webDir: dir, env: { RATE_LIMIT_PER_MINUTE: '3' }, jobs: false });
  });
  afterAll(async () => {
    await bff?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and at client routes, revalidated on every load', async () => {
    for (const path of ['/', '/products/0193a2b4-0000-7000-8000-000000000000', '/orders/x?y=1', '/cart']) {
      const r = await fetch(`${bff.url}${path}`, { headers: html });
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(r.headers.get('cache-control'), path).toBe('no-cache');
      expect(await r.text(), path).toContain('<title>shop</title>');
    }
  });

  it('serves the index.html on disk now: a rebuild while the BFF runs is picked up at the next load', async () => {
    const rebuilt =
      '<!doctype html><title>shop v2</title><script type="module" src="/assets/index-XyZ789.js"></script>';
    writeFileSync(join(dir, 'index.html'), rebuilt);
    writeFileSync(join(dir, 'assets', 'index-XyZ789.js'), 'console.log("v2")');
    try {
      const page = await fetch(`${bff.url}/orders/123`, { headers: html });
      expect(await page.text()).toBe(rebuilt);
      expect((await fetch(`${bff.url}/assets/index-XyZ789.js`)).status).toBe(200);
    } finally {
      writeFileSync(join(dir, 'index.html'), INDEX);
    }
  });

  it('caches hashed assets for a year, immutably; other files are revalidated', async () => {
    const js = await fetch(`${bff.url}/assets/index-AbC123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log("shop")');
    const robots = await fetch(`${bff.url}/robots.txt`);
    expect(robots.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 404 (not the page) for a missing asset, an API path or a non-browser client', async () => {
    expect((await fetch(`${bff.url}/assets/nope-123.js`, { headers: html })).status).toBe(404);
    expect((await fetch(`${bff.url}/products/x`, { headers: { accept: 'application/json' } })).status).toBe(404);
    const api = await fetch(`${bff.url}/trpc/no.such.procedure`, { headers: html });
    expect(api.status).toBe(404);
    expect(await api.text()).not.toContain('<title>shop</title>');
    expect((await fetch(`${bff.url}/payments/nowhere`, { headers: html })).status).toBe(404);
  });

  it('leaves pages and files outside the per-IP rate limit, and the API under it', async () => {
    // Counted requests carry the limiter's headers; pages and files are not counted at all.
    for (let i = 0; i < 8; i++) {
      const page = await fetch(`${bff.url}/orders`, { headers: html });
      const js = await fetch(`${bff.url}/assets/index-AbC123.js`);
      expect([page.status, js.status]).toEqual([200, 200]);
      expect(page.headers.get('x-ratelimit-remaining')).toBeNull();
      expect(js.headers.get('x-ratelimit-remaining')).toBeNull();
    }
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${bff.url}/trpc/health.ping`);
      statuses.push(r.status);
      if (r.status === 200) expect(r.headers.get('x-ratelimit-remaining')).not.toBeNull();
    }
    expect(statuses).toContain(429);
  });
});

describe('without a web build', () => {
  let bff: TestBff;
  let empty: string;
  beforeAll(async () => {
    empty = mkdtempSync(join(tmpdir(), 'zjmall-noweb-'));
    bff = await startTestBff({ label: 'noweb', webDir: empty, jobs: false });
  });
  afterAll(async () => {
    await bff?.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('answers pages with a clear 503 and serves the API as before', async () => {
    const page = await fetch(`${bff.url}/`, { headers: html });
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build:web');
    expect((await fetch(`${bff.url}/products/abc`, { headers: html })).status).toBe(503);
    expect((await fetch(`${bff.url}/health`)).status).toBe(200);
    expect((await fetch(`${bff.url}/ready`)).status).toBe(200);
    expect((await fetch(`${bff.url}/trpc/health.ping`)).status).toBe(200);
    expect((await fetch(`${bff.url}/nothing.js`)).status).toBe(404);
  });
});
