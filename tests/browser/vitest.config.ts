import { defineProject } from 'vitest/config';
import { projectDefaults } from '../../vitest.shared.ts';

// The storefront in real Chromium (Debian's, through playwright-core) against a real BFF.
const config = projectDefaults('browser', import.meta.dirname);
config.test!.testTimeout = 120_000;
config.test!.hookTimeout = 180_000;
// One browser suite at a time (each starts its own BFF and Chromium).
config.test!.fileParallelism = false;
export default defineProject(config);
