export * from './test-env';
export * from './database';
export * from './errors';
export * from './sql-capture';
export * from './nats-server';
export * from './redis-server';
export * from './model-schema';
export * from './fixed-tokens';
