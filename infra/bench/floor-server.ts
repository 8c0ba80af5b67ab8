import Fastify from 'fastify';
import { PingOutput } from '@zjmall/contracts';
import { createCallerFactory, createContextFactory, createLogger, publicProcedure, router } from '@zjmall/platform';
import { registerTrpc, type TrpcRouteStats } from '../../apps/bff/src/trpc/fast-path';

/**
 * The floor benchmark's reference servers, one per process (`floor.ts` starts them):
 *   bare        GET /bare → {"ok":true}: Fastify's own floor
 *   trpc-fast   registerTrpc (fast path) with the BFF's health.ping, nothing else
 *   trpc-stock  the same with fastPath: false (the stock tRPC adapter)
 *   caller      GET /caller → createCaller(ctx).health.ping() from a plain route
 * All answer GET /health for readiness; the tRPC ones GET /stats (which path answered).
 */

const mode = process.argv[2];
const port = Number(process.env.PORT ?? 0);

const appRouter = router({
  health: router({
    // As in modules/api (output validated, fresh timestamp), so only the HTTP layer differs.
    ping: publicProcedure.output(PingOutput).query(() => ({ pong: true as const, at: new Date().toISOString() })),
  }),
});

const createContext = createContextFactory({
  authenticate: async () => ({ ok: false, reason: 'invalid' }),
  log: createLogger('warn', 'floor-server'),
});

const app = Fastify({ logger: false });
app.get('/health', async () => ({ ok: true }));

let stats: TrpcRouteStats | null = null;
switch (mode) {
  case 'bare':
    app.get('/bare', async () => ({ ok: true }));
    break;
  case 'trpc-fast':
  case 'trpc-stock':
    stats = registerTrpc(app, {
      prefix: '/trpc',
      router: appRouter,
      fastPath: mode === 'trpc-fast',
      createContext: (req, _res, info) =>
        createContext({
          requestId: String(req.id),
          ip: req.ip,
          authorization: req.headers.authorization,
          connectionParams: info.connectionParams,
        }),
    });
    app.get('/stats', async () => stats);
    break;
  case 'caller': {
    const caller = createCallerFactory(appRouter);
    app.get('/caller', async (req) =>
      caller(
        createContext({ requestId: String(req.id), ip: req.ip, authorization: req.headers.authorization }),
      ).health.ping(),
    );
    break;
  }
  default:
    console.error(`usage: floor-server.ts bare|trpc-fast|trpc-stock|caller (got ${String(mode)})`);
    process.exit(64);
}

await app.listen({ host: '127.0.0.1', port });
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
