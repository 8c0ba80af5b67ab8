import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page, Response } from 'playwright-core';
import { repoRoot } from '../support/paths';
import { freePort, startTestBff, type TestBff } from '../support/bff';

export { launchChromium } from '../support/browser';

/** `vite build` of apps/web into `outDir` (a temporary folder: tests never write the working tree's build). */
export function buildWeb(outDir: string): void {
  const r = spawnSync(
    process.execPath,
    [
      resolve(repoRoot, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'apps/web/vite.config.ts',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`web build failed:\n${r.stdout}\n${r.stderr}`);
}

/** The JavaScript and CSS a first visit loads (index.html's scripts, preloads and styles), gzipped. */
export function firstLoadBytes(outDir: string): { js: number; css: number; files: string[] } {
  const html = readFileSync(join(outDir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  let js = 0;
  let css = 0;
  for (const f of files) {
    const size = gzipSync(readFileSync(join(outDir, f))).length;
    if (f.endsWith('.js')) js += size;
    else css += size;
  }
  return { js, css, files };
}

/**
 * What a page did wrong: page errors, console errors (except the browser's own "Failed to load
 * resource" line for a 4xx, which the journey expects in places), 5xx answers, and failed requests
 * other than ones aborted by a navigation (an open SSE stream when the page leaves).
 */
export interface PageWatch {
  problems: string[];
  /** Every 4xx answer, as "status path": the test checks they are the ones it expects. */
  clientErrors: string[];
  navigations: number;
}

export function watch(page: Page): PageWatch {
  const w: PageWatch = { problems: [], clientErrors: [], navigations: 0 };
  page.on('pageerror', (e) => w.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
    w.problems.push(`console.error: ${m.text()}`);
  });
  page.on('response', (r: Response) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 500) w.problems.push(`${r.status()} ${r.request().method()} ${path}`);
    else if (r.status() >= 400) w.clientErrors.push(`${r.status()} ${path}`);
  });
  page.on('requestfailed', (r) => {
    const failure = r.failure()?.errorText ?? 'unknown';
    if (failure !== 'net::ERR_ABORTED') w.problems.push(`request failed: ${r.method()} ${r.url()} (${failure})`);
  });
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) w.navigations++;
  });
  return w;
}

/** Retries `check` until it stops throwing (a condition to reach, not a duration to wait). */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The web app built into a temporary folder and a BFF serving it on real services, its PUBLIC_BASE_URL its own address. */
export async function startShop(label: string): Promise<{ bff: TestBff; webDir: string; close(): Promise<void> }> {
  const webDir = mkdtempSync(join(tmpdir(), `zjmall-${label}-web-`));
  buildWeb(webDir);
  const port = await freePort();
  const bff = await startTestBff({
    label,
    port,
    webDir,
    env: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, RATE_LIMIT_PER_MINUTE: '0' },
  });
  return {
    bff,
    webDir,
    async close() {
      await bff.close();
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}
