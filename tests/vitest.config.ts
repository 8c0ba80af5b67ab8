import { defineProject } from 'vitest/config';
import { projectDefaults } from '../vitest.shared.ts';

// The browser suites are their own project (tests/browser): one Chromium at a time, timed apart.
const config = projectDefaults('tests', import.meta.dirname);
config.test!.exclude = [...(config.test!.exclude ?? []), 'browser/**'];
export default defineProject(config);
