import { defineProject } from 'vitest/config';
import { projectDefaults } from '../../vitest.shared.ts';

export default defineProject(projectDefaults('notification', import.meta.dirname));
