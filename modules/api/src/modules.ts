import type { ModelCtor } from 'sequelize-typescript';
import { platformMigrations, type ModuleMigrations } from '@zjmall/platform';
import { identityMigrations, identityModels } from '@zjmall/identity';
import { inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import { catalogMigrations, catalogModels } from '@zjmall/catalog';
import { pricingMigrations } from '@zjmall/pricing';
import { cartMigrations } from '@zjmall/cart';
import { orderMigrations } from '@zjmall/order';
import { paymentMigrations } from '@zjmall/payment';
import { notificationMigrations } from '@zjmall/notification';

/** Every module's migrations, in the DAG's order (docs/architecture.md): the migrator runs them so. */
export const allMigrations: ModuleMigrations[] = [
  platformMigrations,
  identityMigrations,
  inventoryMigrations,
  catalogMigrations,
  pricingMigrations,
  cartMigrations,
  orderMigrations,
  paymentMigrations,
  notificationMigrations,
];

/** Every module's sequelize models, added once to the process's Sequelize instance. */
export const allModels: ModelCtor[] = [...identityModels, ...inventoryModels, ...catalogModels];
