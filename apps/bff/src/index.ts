export { buildApp, type BuildAppOptions } from './app';
