#!/usr/bin/env node
// `npm start`: installs the dependencies on a fresh clone, then runs the BFF (TypeScript through
// tsx, in this same process so signals and node:cluster work as usual).
import { existsSync } from 'node:fs';
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
const { register } = await import(pathToFileURL(resolve(root, 'node_modules/tsx/dist/esm/api/index.mjs')).href);
register({ tsconfig: resolve(root, 'tsconfig.json') });
await import(pathToFileURL(resolve(root, process.env.ZJMALL_ENTRY ?? 'apps/bff/src/main.ts')).href);
