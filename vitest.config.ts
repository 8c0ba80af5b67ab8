import { defineConfig } from 'vitest/config';

// `npm test` runs every Nx project's suite (each has its own vitest.config.ts) in one vitest process.
export default defineConfig({
  test: {
    projects: ['contracts', 'contracts/client', 'modules/*', 'apps/*', 'tests', 'tests/browser'],
    fileParallelism: true,
    maxWorkers: 2,
  },
});
