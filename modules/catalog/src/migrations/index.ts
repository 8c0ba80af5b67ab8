import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Catalog } from './0001-catalog';

export const catalogMigrations: ModuleMigrations = { module: 'catalog', migrations: [m0001Catalog] };
