import { defineProject } from 'vitest/config';
import { projectDefaults } from '../../vitest.shared.ts';

export default defineProject(projectDefaults('platform', import.meta.dirname));
