/**
 * Builds the publishable `@zjmall/client` into contracts/client/dist (run by `npm run build:client`
 * and by `npm pack`'s prepack):
 *
 * - `dist/index.js`: src/index.ts bundled by esbuild as ESM, with `@trpc/client` and `eventsource`
 *   left as imports. The client imports only `type AppRouter` from the server, which esbuild drops:
 *   the build fails if any other workspace file ends up in the bundle.
 * - `dist/*.d.ts`: tsc's declarations of the client. `AppRouter`'s declaration (modules/api's
 *   app-router.d.ts) spells every procedure's input and output out; it refers to the server only
 *   for the request context and procedure meta (replaced by dist/server-types.d.ts) and to the
 *   contract's types (dist/contracts/, which import only zod). The build fails on any other import,
 *   so a server type leaking into AppRouter is caught here, not by a user.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const pkgDir = resolve(import.meta.dirname, '..');
const root = resolve(pkgDir, '../..');
const dist = join(pkgDir, 'dist');
/** What the published declarations and code may import besides their own files. */
const ALLOWED_PACKAGES = new Set(['@trpc/client', '@trpc/server', 'eventsource', 'zod']);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// ---- code ---------------------------------------------------------------------------------------
const result = await build({
  entryPoints: [join(pkgDir, 'src/index.ts')],
  outfile: join(dist, 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['@trpc/client', 'eventsource'],
  tsconfig: join(root, 'tsconfig.base.json'),
  metafile: true,
  absWorkingDir: pkgDir,
  legalComments: 'none',
});
const bundled = Object.keys(result.metafile.inputs).map((p) => relative(root, resolve(pkgDir, p)));
const foreign = bundled.filter((p) => !p.startsWith('contracts/client/src/'));
if (foreign.length) throw new Error(`server code would be bundled into @zjmall/client: ${foreign.join(', ')}`);

// ---- declarations -------------------------------------------------------------------------------
const emitted = mkdtempSync(join(tmpdir(), 'zjmall-client-dts-'));
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(pkgDir, 'tsconfig.build.json'), '--outDir', emitted],
    {
      stdio: 'inherit',
    },
  );

  /** Where an import in an emitted file (at repo path `from`) goes in dist, or the package it names. */
  const target = (from: string, spec: string): { pkg: string } | { dist: string } => {
    if (!spec.startsWith('.')) {
      if (spec === '@zjmall/api') return { dist: 'app-router' };
      if (spec === '@zjmall/platform') return { dist: 'server-types' };
      if (spec === '@zjmall/contracts') return { dist: 'contracts/index' };
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!ALLOWED_PACKAGES.has(pkg))
        throw new Error(`${from}: the declarations import ${spec}, which @zjmall/client does not ship`);
      return { pkg: spec };
    }
    const repoPath = relative(root, resolve(root, dirname(from), spec)).replace(/\.(d\.)?ts$/, '');
    if (repoPath === 'modules/platform/src' || repoPath === 'modules/platform/src/index')
      return { dist: 'server-types' };
    if (repoPath === 'contracts/src' || repoPath === 'contracts/src/index') return { dist: 'contracts/index' };
    if (repoPath.startsWith('contracts/src/')) return { dist: `contracts/${repoPath.slice('contracts/src/'.length)}` };
    throw new Error(`${from}: the declarations import ${spec} (${repoPath}), which @zjmall/client does not ship`);
  };

  /** Copies one emitted file to `out` (a dist path without extension), its imports rewritten. */
  const copy = (from: string, out: string, edit: (text: string) => string = (t) => t) => {
    let text = edit(readFileSync(join(emitted, `${from}.d.ts`), 'utf8'));
    const rewrite = (spec: string) => {
      const t = target(`${from}.d.ts`, spec);
      if ('pkg' in t) return t.pkg;
      const rel = relative(dirname(out), t.dist);
      return `${rel.startsWith('.') ? rel : `./${rel}`}.js`;
    };
    text = text
      .replace(/(from\s+')([^']+)(')/g, (_m, a: string, spec: string, b: string) => a + rewrite(spec) + b)
      .replace(/(import\(")([^"]+)("\))/g, (_m, a: string, spec: string, b: string) => a + rewrite(spec) + b);
    mkdirSync(dirname(join(dist, out)), { recursive: true });
    writeFileSync(join(dist, `${out}.d.ts`), text);
  };

  copy('contracts/client/src/index', 'index');
  copy('modules/api/src/app-router', 'app-router', (text) => {
    const withoutServices = text
      .replace("import type { Services } from './services';\n", '')
      .replace('(services: Services)', '(services: unknown)');
    if (withoutServices.includes('Services'))
      throw new Error('app-router.d.ts refers to Services beyond its parameter');
    return withoutServices;
  });
  for (const file of readdirSync(join(emitted, 'contracts/src'))) {
    if (file.endsWith('.d.ts') && !file.endsWith('.test.d.ts'))
      copy(`contracts/src/${file.slice(0, -5)}`, `contracts/${file.slice(0, -5)}`);
  }
  writeFileSync(
    join(dist, 'server-types.d.ts'),
    `/** The server's request context: carried by tRPC's router type, never used by a client. */
export type Context = object;
/** Who may call a procedure. */
export type ProcedureAccess = 'public' | 'guest' | 'user' | 'admin';
/** A procedure's metadata on the server (modules/platform's ProcedureMeta). */
export interface ProcedureMeta {
  access?: ProcedureAccess;
  output?: import('zod').ZodType;
}
`,
  );
} finally {
  rmSync(emitted, { recursive: true, force: true });
}

if (!existsSync(join(dist, 'index.d.ts'))) throw new Error('no dist/index.d.ts');
console.log(`@zjmall/client built into ${relative(root, dist)}`);
