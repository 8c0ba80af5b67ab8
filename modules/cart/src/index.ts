// cart's public surface: nothing else is imported from outside this module.
export { createCartService } from './cart.service';
export type { CartService } from './cart.service';
export { createCartRouter } from './cart.router';
export type { CartRouter } from './cart.router';
export type { CleanupReport } from './cart.cleanup';
export type { CartHolder } from './cart.holders';
export type { CartOwner, CartPurchasesPort, CartServiceDeps, CheckoutView } from './types';
export { cartMigrations } from './migrations';
