// The platform's public surface: nothing else is imported from outside this module.
export * from './config';
export * from './errors';
export * from './ids';
export * from './logger';
export * from './metrics';
export * from './db/sequelize';
export * from './db/migrator';
export * from './trpc/context';
export * from './trpc/init';
export type { Bus, DurableHandler, LiveHandler, BroadcastHandler } from './bus/types';
export type { Outbox, Relay, NewEvent } from './outbox/types';
export type { Locks, LockOptions } from './locks/types';
export type { Cache } from './cache/types';
export * from './runtime';
export { platformMigrations } from './migrations';
export * from './secrets';
export * from './db/embedded-postgres';
export * from './idempotency';
