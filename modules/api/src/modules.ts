import type { ModelCtor } from 'sequelize-typescript';
import { platformMigrations, type ModuleMigrations } from '@zjmall/platform';
import { identityMigrations, identityModels } from '@zjmall/identity';

/** Every module's migrations, in the DAG's order (DESIGN.md): the migrator runs them so. */
export const allMigrations: ModuleMigrations[] = [platformMigrations, identityMigrations];

/** Every module's sequelize models, added once to the process's Sequelize instance. */
export const allModels: ModelCtor[] = [...identityModels];
