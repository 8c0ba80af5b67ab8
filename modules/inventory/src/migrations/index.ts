import type { ModuleMigrations } from '@zjmall/platform';
import { m0001Inventory } from './0001-inventory';

export const inventoryMigrations: ModuleMigrations = { module: 'inventory', migrations: [m0001Inventory] };
