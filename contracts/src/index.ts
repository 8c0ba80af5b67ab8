export * from './errors';
export * from './events';
export * from './common.schemas';
export * from './identity.schemas';
export * from './catalog.schemas';
export * from './inventory.schemas';
