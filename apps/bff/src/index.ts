export { buildApp, type BuildAppOptions } from './app';
export { buildOpenApiDocument, type OpenApiDocument } from './openapi/document';
export { listProcedures, type ProcedureInfo } from './trpc/router-internals';
