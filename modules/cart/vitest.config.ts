import { defineProject } from 'vitest/config';
import { projectDefaults } from '../../vitest.shared.ts';

export default defineProject(projectDefaults('cart', import.meta.dirname));
