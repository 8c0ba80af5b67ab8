import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm pack` of @zjmall/client, installed from the tarball into a scratch project outside the
 * repo, type-checks and runs there: the published package stands on its own (ESM + declarations,
 * AppRouter included, no server code). The machine may be offline, so the scratch project gets the
 * package's dependencies copied from the workspace's node_modules and npm installs the tarball with
 * `--offline`.
 */
const pkgDir = resolve(import.meta.dirname, '..');
const root = resolve(pkgDir, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Copies a workspace package and, recursively, its dependencies into `to`'s node_modules. */
function copyPackage(name: string, to: string, seen = new Set<string>()) {
  if (seen.has(name)) return;
  seen.add(name);
  const from = join(root, 'node_modules', name);
  cpSync(from, join(to, 'node_modules', name), { recursive: true, dereference: true });
  const manifest = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) copyPackage(dep, to, seen);
}

describe('@zjmall/client as a package', () => {
  let work: string;
  let tarball: string;
  let scratch: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'zjmall-client-pack-'));
    const out = execFileSync(npm, ['pack', '--pack-destination', work, '--json'], {
      cwd: pkgDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [packed] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, packed.filename);
    scratch = join(work, 'scratch');
    mkdirSync(scratch);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    const deps = { ...manifest.dependencies, ...manifest.peerDependencies };
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, type: 'module', dependencies: deps }),
    );
    for (const dep of Object.keys(deps)) copyPackage(dep, scratch);
    // Peers are already there; without --legacy-peer-deps npm would ask the registry for their manifests.
    execFileSync(npm, ['install', tarball, '--offline', '--legacy-peer-deps', '--no-audit', '--no-fund'], {
      cwd: scratch,
      stdio: 'pipe',
    });
  }, 240_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships only its ESM bundle, declarations and README; the bundle imports only its dependencies', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/app-router.d.ts');
    expect(files).toContain('package/README.md');
    expect(files.filter((f) => !/^package\/(dist\/.+\.(js|d\.ts)|README\.md|package\.json)$/.test(f))).toEqual([]);
    const installed = join(scratch, 'node_modules/@zjmall/client');
    const js = readFileSync(join(installed, 'dist/index.js'), 'utf8');
    expect([...js.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(['@trpc/client', 'eventsource']);
    expect(js).not.toMatch(/sequelize|fastify|ioredis|@zjmall\//);
  });

  it('type-checks calls against AppRouter in a project of its own (strict, library checks on)', () => {
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          lib: ['ES2023', 'ESNext.Disposable', 'DOM'],
          types: [],
        },
        files: ['main.ts'],
      }),
    );
    writeFileSync(
      join(scratch, 'main.ts'),
      `import { createShopClient, type AppRouter } from '@zjmall/client';
import type { inferRouterOutputs } from '@trpc/server';

type Cart = inferRouterOutputs<AppRouter>['cart']['get'];

export async function main(token: string): Promise<number> {
  const shop = createShopClient('http://127.0.0.1:3000', { token });
  const cart: Cart = await shop.cart.addItem.mutate({ skuId: '0193a1b2-0000-7000-8000-000000000000', quantity: 2 });
  const order = await shop.order.checkout.mutate({ addressId: 'a', idempotencyKey: 'k-12345678' });
  const paid: number = order.payableAmount;
  // The types are real, not any: each of these must be an error.
  // @ts-expect-error quantity is a number
  await shop.cart.addItem.mutate({ skuId: 'x', quantity: 'two' });
  // @ts-expect-error no such procedure
  await shop.cart.nope.query();
  // @ts-expect-error the total is a number
  const wrong: string = cart.payableAmount;
  // @ts-expect-error AppRouter is the router's type, not any
  const router: string = null! as AppRouter;
  return paid + wrong.length + router.length;
}
`,
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const run = () => {
      try {
        execFileSync(process.execPath, [tsc, '-p', scratch], { cwd: scratch, encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (e) {
        return String((e as { stdout?: string }).stdout ?? e);
      }
    };
    expect(run()).toBe('');
    // …and a wrong call fails there.
    writeFileSync(
      join(scratch, 'main.ts'),
      `import { createShopClient } from '@zjmall/client';\nawait createShopClient('http://x').cart.addItem.mutate({ skuId: 'x', quantity: '2' });\n`,
    );
    expect(run()).toMatch(/main\.ts\(2,\d+\): error TS2322/);
  }, 300_000);

  it('imports and builds a client at run time from the installed package', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { createShopClient } from '@zjmall/client'; const c = createShopClient('http://127.0.0.1:1'); console.log(typeof createShopClient, typeof c.cart.get.query);",
      ],
      {
        cwd: scratch,
        encoding: 'utf8',
      },
    );
    expect(out.trim()).toBe('function function');
    expect(existsSync(join(dirname(tarball), 'scratch/node_modules/@zjmall/client/package.json'))).toBe(true);
  });
});
