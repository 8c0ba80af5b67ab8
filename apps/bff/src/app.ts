import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { countHttpResponse, createContextFactory, watchPlatform, type Logger } from '@zjmall/platform';
import {
  createAppRouter,
  DEMO_MEDIA_PREFIX,
  registerDemoMediaRoutes,
  registerPaymentRoutes,
  type Runtime,
} from '@zjmall/api';
import { registerTrpc } from './trpc/fast-path';
import { metricsText } from './metrics';
import { redisRateLimitStore } from './rate-limit-store';
import { registerRequestLog } from './request-log';
import { WEB_DIST_DIR, isWebRequest, registerWeb } from './web';
import { buildOpenApiDocument } from './openapi/document';
import { isApiDocsPath, registerApiDocs } from './openapi/routes';

export interface BuildAppOptions {
  runtime: Pick<Runtime, 'platform' | 'services'>;
  log: Logger;
  /** false: every tRPC call goes through the stock adapter (the differential tests compare). */
  fastPath?: boolean;
  /** The web app's build (default apps/web/dist); null: no pages. */
  webDir?: string | null;
}

const OPS_ROUTES = new Set(['/health', '/ready', '/metrics']);
/** The API's version in /openapi.json. */
const API_VERSION = '0.1.0';

/** The BFF as a Fastify instance, without listening: tests use it through `app.inject` or `listen(0)`. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const { platform, services } = opts.runtime;
  const { config } = platform;
  const app = Fastify({
    loggerInstance: opts.log as FastifyBaseLogger,
    // Fastify's two lines per request are replaced by request-log.ts's one (LOG_REQUESTS).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.TRUST_PROXY,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && /^[\w.:-]{1,100}$/.test(h) ? h : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // A batched call names every procedure in the path (`/trpc/a,b,c…`): the default 100 would
    // answer 414 to a batch of half a dozen calls.
    routerOptions: { maxParamLength: 4096 },
    return503OnClosing: true,
  });
  if (config.LOG_REQUESTS) registerRequestLog(app);
  // The 5xx-rate alert's counter, and the gauges /metrics reads from this platform at scrape time.
  app.addHook('onResponse', (_req, reply, done) => {
    countHttpResponse(reply.statusCode);
    done();
  });
  const unwatch = watchPlatform(platform);
  app.addHook('onClose', (_app, done) => {
    unwatch();
    done();
  });

  if (config.CORS_ORIGINS.length) {
    await app.register(cors, { origin: config.CORS_ORIGINS, credentials: false });
    // tRPC sets its own `Vary: trpc-accept, accept`, replacing cors' `Vary: Origin`: put it back, or
    // a shared cache could serve one origin's answer to another.
    app.addHook('onSend', async (_req, reply, payload) => {
      const vary = String(reply.getHeader('vary') ?? '');
      if (!/(^|,)\s*origin\s*(,|$)/i.test(vary)) reply.header('vary', vary ? `${vary}, Origin` : 'Origin');
      return payload;
    });
  }
  if (config.RATE_LIMIT_PER_MINUTE > 0) {
    await app.register(rateLimit, {
      global: true,
      max: config.RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      // Redis shared by every process when configured, failing open while it is away; else in memory.
      ...(platform.redisHealth
        ? { store: redisRateLimitStore(platform.redisHealth, `${config.REDIS_KEY_PREFIX}rl:`), skipOnError: true }
        : {}),
      allowList: (req) => {
        const path = req.url.split('?')[0];
        return OPS_ROUTES.has(path) || isApiDocsPath(path) || path.startsWith(DEMO_MEDIA_PREFIX) || isWebRequest(req);
      },
      // Same error shape as every tRPC error (docs/api.md, Wire).
      errorResponseBuilder: (req, ctx) => ({
        statusCode: 429,
        error: {
          message: `Rate limit exceeded, retry in ${ctx.after}`,
          code: -32029,
          data: {
            code: 'TOO_MANY_REQUESTS',
            httpStatus: 429,
            appCode: 'RATE_LIMITED',
            path: req.url.startsWith('/trpc/') ? req.url.slice(6).split('?')[0] : undefined,
          },
        },
      }),
    });
  }

  app.get('/health', async () => ({ ok: true }));
  app.get('/ready', async (_req, reply) => {
    const r = await platform.ready();
    return reply.code(r.ok ? 200 : 503).send(r);
  });
  app.get('/metrics', async (_req, reply) => {
    const m = await metricsText();
    return reply.type(m.contentType).send(m.text);
  });

  // Provider callbacks (raw body, HMAC) and the sandbox provider's pages, in their own scope.
  await registerPaymentRoutes(app, { payment: services.payment });
  // The demo catalog's images (generated SVGs: a demo needs no internet), outside the rate limit.
  await registerDemoMediaRoutes(app);

  const appRouter = createAppRouter(services);
  // The API reference: /openapi.json from the router's own schemas (built at its first request),
  // /docs over it (assets served locally).
  await registerApiDocs(app, () =>
    buildOpenApiDocument(appRouter, { serverUrl: config.PUBLIC_BASE_URL, version: API_VERSION }),
  );

  const createContext = createContextFactory({ authenticate: services.identity.authenticate, log: opts.log });
  registerTrpc(app, {
    prefix: '/trpc',
    router: appRouter,
    fastPath: opts.fastPath ?? true,
    createContext: (req, _res, info) =>
      createContext({
        requestId: String(req.id),
        ip: req.ip,
        authorization: req.headers.authorization,
        connectionParams: info.connectionParams,
      }),
  });
  // The storefront at `/` (after every API route: its fallback answers what nothing else did).
  const web = await registerWeb(app, { dir: opts.webDir === undefined ? WEB_DIST_DIR : opts.webDir });
  if (!web.built && opts.webDir !== null)
    opts.log.warn({ dir: opts.webDir ?? WEB_DIST_DIR }, 'web app not built: pages answer 503 (npm run build:web)');
  return app;
}
