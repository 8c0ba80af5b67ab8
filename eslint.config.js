import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// The module DAG of docs/architecture.md, enforced on every import (a violation fails `npm run lint`):
// contracts ← platform ← inventory ← catalog ← pricing ← cart ← order ← payment ← notification
//                      ← identity ←──────────────────────────── order
// modules/api ← apps; contracts/client imports only `type AppRouter` from api; apps/web imports only
// contracts and contracts/client.
const chain = ['contracts', 'platform', 'inventory', 'catalog', 'pricing', 'cart', 'order', 'payment', 'notification'];
const left = (name) => chain.slice(0, chain.indexOf(name)).map((s) => `scope:${s}`);
const depConstraints = [
  ...chain.map((name) => ({
    sourceTag: `scope:${name}`,
    onlyDependOnLibsWithTags:
      name === 'order' || name === 'notification' ? [...left(name), 'scope:identity'] : left(name),
  })),
  { sourceTag: 'scope:identity', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:platform'] },
  { sourceTag: 'scope:api', onlyDependOnLibsWithTags: [...chain, 'identity'].map((s) => `scope:${s}`) },
  { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:api'] },
  { sourceTag: 'scope:bff', onlyDependOnLibsWithTags: ['scope:api', 'scope:platform', 'scope:contracts'] },
  { sourceTag: 'scope:worker', onlyDependOnLibsWithTags: ['scope:api', 'scope:platform', 'scope:contracts'] },
  // The web app is a client like any other: the contracts and the typed client, never a module.
  { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:client'] },
  { sourceTag: 'scope:tests', onlyDependOnLibsWithTags: ['*'] },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.data/**', '**/dist/**', '.nx/**', 'infra/k6/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints, banTransitiveDependencies: false },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Cross-module suites drive the real BFF app (buildApp), which Nx otherwise keeps apps from sharing.
    files: ['tests/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['@zjmall/bff'],
          depConstraints,
          banTransitiveDependencies: false,
        },
      ],
    },
  },
  {
    // Tool configs sit at a project's root and import the workspace's shared vitest settings.
    files: ['**/vitest.config.ts', '**/vite.config.ts', 'vitest.*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Only `type AppRouter` may cross from the API into the client.
    files: ['contracts/client/**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@zjmall/api'], allowTypeImports: true, message: 'the client imports only type AppRouter' },
          ],
        },
      ],
    },
  },
);
