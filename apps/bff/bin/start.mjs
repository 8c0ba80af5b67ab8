#!/usr/bin/env node
// `npm start`: installs the dependencies on a fresh clone, then runs the BFF (TypeScript through
// tsx, in this same process so signals and node:cluster work as usual).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`zjmall needs Node >= 20.19 (this is ${process.version}).`);
  process.exit(1);
}
if (!existsSync(resolve(root, 'node_modules/tsx/package.json'))) {
  console.error('First run: installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (!process.env.ZJMALL_ENTRY && process.env.NODE_ENV !== 'production') buildWebIfStale();
// Tracing is off unless an OTLP endpoint is set; when on, it must load before the app's modules.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  await import('./tracing.mjs');
const { register } = await import(pathToFileURL(resolve(root, 'node_modules/tsx/dist/esm/api/index.mjs')).href);
register({ tsconfig: resolve(root, 'tsconfig.json') });
await import(pathToFileURL(resolve(root, process.env.ZJMALL_ENTRY ?? 'apps/bff/src/main.ts')).href);

/**
 * The storefront's build (apps/web/dist) is made here when it is missing or older than its sources,
 * as the dependencies are installed above: one log line, then Vite's own warnings only. A failed
 * build does not stop the shop: the API serves as usual and pages answer 503 until a build exists.
 * (Production images build it in their own stage: see infra/Dockerfile.)
 */
function buildWebIfStale() {
  const web = resolve(root, 'apps/web');
  const built = resolve(web, 'dist/index.html');
  const sources = [
    resolve(web, 'src'),
    resolve(web, 'index.html'),
    resolve(web, 'vite.config.ts'),
    resolve(root, 'contracts/client/src'),
    resolve(root, 'package-lock.json'),
  ];
  const newest = (p) => {
    if (!existsSync(p)) return 0;
    const st = statSync(p);
    if (!st.isDirectory()) return st.mtimeMs;
    return readdirSync(p).reduce((m, f) => Math.max(m, newest(resolve(p, f))), st.mtimeMs);
  };
  const why = !existsSync(built)
    ? 'missing'
    : statSync(built).mtimeMs < Math.max(...sources.map(newest))
      ? 'older than its sources'
      : null;
  if (!why) return;
  console.error(`Building the storefront (apps/web/dist is ${why})…`);
  const vite = resolve(root, 'node_modules/vite/bin/vite.js');
  const r = spawnSync(
    process.execPath,
    [vite, 'build', '--config', resolve(web, 'vite.config.ts'), '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
  if (r.status !== 0)
    console.error(
      'The storefront build failed: the API starts anyway; pages answer 503 until `npm run build:web` succeeds.',
    );
}
