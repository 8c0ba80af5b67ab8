import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { repoRoot } from './support/paths';

/** The module DAG of docs/architecture.md is enforced: lint a would-be file in each project and see. */
describe('module boundaries', () => {
  let eslint: ESLint;
  beforeAll(() => {
    // @nx/enforce-module-boundaries reads the cached project graph; build it as `npm run lint` does.
    execFileSync(resolve(repoRoot, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: repoRoot,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: 'ignore',
    });
    eslint = new ESLint({ cwd: repoRoot });
  }, 60_000);

  async function boundaryErrors(file: string, code: string) {
    const [r] = await eslint.lintText(code, { filePath: resolve(repoRoot, file) });
    return r.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  }

  it.each([
    [
      'modules/platform/src/x.ts',
      `import { createAppRouter } from '@zjmall/api';\nexport const x = createAppRouter;\n`,
    ],
    ['modules/identity/src/x.ts', `import * as cart from '@zjmall/cart';\nexport const x = cart;\n`],
    ['modules/inventory/src/x.ts', `import * as catalog from '@zjmall/catalog';\nexport const x = catalog;\n`],
    ['modules/payment/src/x.ts', `import * as identity from '@zjmall/identity';\nexport const x = identity;\n`],
    ['contracts/src/x.ts', `import * as p from '@zjmall/platform';\nexport const x = p;\n`],
    // notification sits at the top: no module imports it (only modules/api).
    ['modules/payment/src/x.ts', `import * as n from '@zjmall/notification';\nexport const x = n;\n`],
    ['modules/order/src/x.ts', `import * as n from '@zjmall/notification';\nexport const x = n;\n`],
    ['apps/bff/src/x.ts', `import * as identity from '@zjmall/identity';\nexport const x = identity;\n`],
  ])('refuses an import against the DAG in %s', async (file, code) => {
    expect(await boundaryErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['modules/identity/src/x.ts', `import * as p from '@zjmall/platform';\nexport const x = p;\n`],
    ['modules/order/src/x.ts', `import * as identity from '@zjmall/identity';\nexport const x = identity;\n`],
    ['modules/api/src/x.ts', `import * as identity from '@zjmall/identity';\nexport const x = identity;\n`],
    ['modules/notification/src/x.ts', `import * as payment from '@zjmall/payment';\nexport const x = payment;\n`],
    ['modules/notification/src/x.ts', `import * as identity from '@zjmall/identity';\nexport const x = identity;\n`],
    ['modules/api/src/x.ts', `import * as n from '@zjmall/notification';\nexport const x = n;\n`],
    ['apps/bff/src/x.ts', `import * as api from '@zjmall/api';\nexport const x = api;\n`],
  ])('allows an import along the DAG in %s', async (file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });

  it('lets the client take only the AppRouter type from the API', async () => {
    const [bad] = await eslint.lintText(
      `import { createAppRouter } from '@zjmall/api';\nexport const x = createAppRouter;\n`,
      {
        filePath: resolve(repoRoot, 'contracts/client/src/x.ts'),
      },
    );
    expect(bad.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
    const [good] = await eslint.lintText(
      `import type { AppRouter } from '@zjmall/api';\nexport type X = AppRouter;\n`,
      {
        filePath: resolve(repoRoot, 'contracts/client/src/x.ts'),
      },
    );
    expect(good.messages.filter((m) => m.severity === 2)).toEqual([]);
  });
});
