import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { UserWorkspaceConfig } from 'vitest/config';

const root = import.meta.dirname;
const tsconfig = JSON.parse(readFileSync(resolve(root, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};

/** The tsconfig path aliases, so vitest resolves `@zjmall/*` exactly as tsc and tsx do. */
export const aliases = Object.entries(tsconfig.compilerOptions.paths).map(([find, [target]]) => ({
  find: new RegExp(`^${find.replace(/[/.]/g, '\\$&')}$`),
  replacement: resolve(root, target),
}));

/** Every Nx project's vitest config is this, with its own name and folder. */
export function projectDefaults(name: string, dir: string): UserWorkspaceConfig {
  return {
    resolve: { alias: aliases },
    test: {
      name,
      root: dir,
      include: ['**/*.test.ts'],
      exclude: ['**/node_modules/**', 'client/**'],
      globalSetup: [resolve(root, 'modules/platform/src/testing/global-setup.ts')],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}
