import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { OpenApiDocument } from './document';

/** Swagger UI's files served under /docs/ (from the installed swagger-ui-dist, never a CDN). */
const UI_ASSETS = new Set([
  '/swagger-ui.css',
  '/index.css',
  '/swagger-ui-bundle.js',
  '/swagger-ui-standalone-preset.js',
  '/favicon-32x32.png',
  '/favicon-16x16.png',
]);

const INDEX_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>zjmall API</title>
    <link rel="stylesheet" type="text/css" href="./swagger-ui.css" />
    <link rel="stylesheet" type="text/css" href="./index.css" />
    <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="./favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="./swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="./swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '../openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
};
`;

/** The paths the rate limit leaves alone (like the operations routes). */
export function isApiDocsPath(path: string): boolean {
  return path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/');
}

/**
 * `GET /openapi.json` and `GET /docs/` (Swagger UI over it), in their own scope. The document is
 * built at the first request and kept (≈ 0.1 s of CPU that a start or a test's BFF need not pay).
 */
export async function registerApiDocs(app: FastifyInstance, build: () => OpenApiDocument): Promise<void> {
  let body: string | null = null;
  await app.register(async (scope) => {
    scope.get('/openapi.json', (_req, reply) =>
      reply.type('application/json; charset=utf-8').send((body ??= JSON.stringify(build()))),
    );
    scope.get('/docs', (_req, reply) => reply.redirect('/docs/', 301));
    scope.get('/docs/', (_req, reply) => reply.type('text/html; charset=utf-8').send(INDEX_HTML));
    scope.get('/docs/swagger-initializer.js', (_req, reply) =>
      reply.type('text/javascript; charset=utf-8').send(INITIALIZER),
    );
    const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    await scope.register(fastifyStatic, {
      root,
      prefix: '/docs/',
      index: false,
      allowedPath: (path) => UI_ASSETS.has(path),
      maxAge: '1h',
    });
  });
}
