export { allMigrations, allModels } from './modules';
export { createServices, type Services, type Secrets, type ServiceOptions } from './services';
export { createAppRouter, type AppRouter } from './app-router';
export { startJobs, type Jobs } from './jobs';
export { bootRuntime, type Runtime } from './boot';
export {
  seedDemo,
  seedDemoIfEmpty,
  demoUsers,
  DEMO_USERS_FILE,
  DEFAULT_SEED_PRODUCTS,
  progressBar,
  type DemoUsers,
  type FirstRunSeed,
} from './seed';
// apps/bff may import only api/platform/contracts: the payment HTTP routes reach it through here.
export { registerPaymentRoutes } from '@zjmall/payment';
export { registerDemoMediaRoutes, DEMO_MEDIA_PREFIX } from '@zjmall/catalog';
