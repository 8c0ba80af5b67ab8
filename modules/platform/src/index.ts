// The platform's public surface: nothing else is imported from outside this module.
export * from './config';
export * from './errors';
export * from './ids';
export * from './logger';
export * from './metrics';
export * from './ops-metrics';
export { flushTraces } from './tracing';
export * from './db/sequelize';
export * from './db/migrator';
export * from './db/deadlock';
export * from './trpc/context';
export * from './trpc/init';
export { FieldError } from './trpc/field-error';
export * from './trpc/shared-result';
export type { Bus, DurableHandler, LiveHandler, BroadcastHandler } from './bus/types';
export type { Outbox, Relay, NewEvent } from './outbox/types';
export { inTransaction } from './outbox/outbox';
export type { Locks, LockOptions } from './locks/types';
export type { Cache } from './cache/types';
export {
  createRedisHealth,
  RedisUnavailableError,
  RESILIENT_REDIS_OPTIONS,
  type RedisHealth,
} from './redis/redis-health';
export { memoKeys } from './cache/cache-keys';
export { Stamp } from './cache/ttl-map';
export * from './runtime';
export { platformMigrations } from './migrations';
export * from './secrets';
export * from './db/embedded-postgres';
export * from './idempotency';
export { createCoalescer, type Coalescer, type Settled } from './coalescer';
