export * from './errors';
export * from './events';
export * from './common.schemas';
export * from './identity.schemas';
