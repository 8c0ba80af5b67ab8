import type { ModuleMigrations } from '../db/migrator';
import { m0001PlatformCore } from './0001-platform-core';
import { m0002OutboxTrace } from './0002-outbox-trace';

export const platformMigrations: ModuleMigrations = {
  module: 'platform',
  migrations: [m0001PlatformCore, m0002OutboxTrace],
};
