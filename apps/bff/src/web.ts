import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build:web` (Vite, apps/web/vite.config.ts) writes the web app. */
export const WEB_DIST_DIR = resolve(import.meta.dirname, '../../web/dist');

/** The API's own paths: never a page, never the SPA fallback, always under the rate limit. */
const API_PREFIXES = ['/trpc', '/payments', '/sandbox'];
const isApiPath = (path: string) => API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

/**
 * A page or a static file of the web app (a GET outside the API's paths): exempt from the per-IP
 * rate limit, since one page load fetches several files and must not eat a shopper's quota.
 */
export function isWebRequest(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  return !isApiPath(req.url.split('?')[0]);
}

/** A browser navigating (not a script, image or API client asking). */
function wantsPage(req: FastifyRequest): boolean {
  const path = req.url.split('?')[0];
  if (isApiPath(path) || path.startsWith('/assets/')) return false;
  return String(req.headers.accept ?? '').includes('text/html');
}

const notFound = (req: FastifyRequest, reply: FastifyReply) =>
  reply.code(404).send({ message: `Route ${req.method}:${req.url} not found`, error: 'Not Found', statusCode: 404 });

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>zjmall: storefront not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>The storefront is not built</h1>
<p>The API is running (<a href="/health">/health</a>, <code>/trpc</code>), but the web app has no build yet.
Run <code>npm run build:web</code> and restart, or start the shop with <code>npm start</code>, which builds it.</p>
<p lang="zh-CN">商城前端尚未构建：请运行 <code>npm run build:web</code> 后重启，或用 <code>npm start</code> 启动（会自动构建）。</p>
</body></html>`;

/**
 * The web app at `/`: hashed files under /assets/ with a year-long immutable cache, every other
 * file (index.html) revalidated, and client routes (`/products/…`, `/orders/…`) answered with
 * index.html. Without a build the API is untouched and pages answer 503 with what to do.
 */
export async function registerWeb(app: FastifyInstance, opts: { dir: string | null }): Promise<{ built: boolean }> {
  const dir = opts.dir;
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    app.setNotFoundHandler((req, reply) =>
      wantsPage(req) || req.url === '/'
        ? reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT)
        : notFound(req, reply),
    );
    return { built: false };
  }
  const assets = join(dir, 'assets') + sep;
  // Read at every page load (a small file, in the OS's cache), never kept: a rebuild while the BFF
  // runs (`npm run build:web`, or `npm start` in another checkout of the same tree) replaces the
  // hashed files index.html names, and a kept copy would name files that are gone.
  const sendIndex = async (reply: FastifyReply) => {
    const index = await readFile(join(dir, 'index.html')).catch(() => null);
    if (!index)
      return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
  };
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (res, path) => {
      res.header('cache-control', path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.get('/', (_req, reply) => sendIndex(reply));
  app.setNotFoundHandler((req, reply) => (wantsPage(req) ? sendIndex(reply) : notFound(req, reply)));
  return { built: true };
}
