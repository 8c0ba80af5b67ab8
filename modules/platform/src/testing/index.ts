export * from './test-env';
export * from './database';
