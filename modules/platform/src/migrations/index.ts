import type { ModuleMigrations } from '../db/migrator';
import { m0001PlatformCore } from './0001-platform-core';

export const platformMigrations: ModuleMigrations = { module: 'platform', migrations: [m0001PlatformCore] };
