import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { initTRPC } from '@trpc/server';
import {
  createContextFactory,
  createLogger,
  metricsRegistry,
  publicProcedure,
  router,
  type Context,
} from '@zjmall/platform';
import { registerTrpc } from './fast-path';
import { testRouter } from './fast-path.fixture';

/**
 * When the fast path is on or off, what the startup log says about it, and the request counter
 * by path (`zjmall_trpc_requests_total`).
 */

const createContext = createContextFactory({
  authenticate: async () => ({ ok: false, reason: 'invalid' }),
  log: createLogger('silent'),
});

// A router whose wire format is not plain JSON: the fast path must not answer for it.
const withTransformer = initTRPC.context<Context>().create({
  transformer: {
    serialize: (v: unknown) => ({ wrapped: v }),
    deserialize: (v: unknown) => (v as { wrapped: unknown }).wrapped,
  },
});
const transformerRouter = withTransformer.router({ ping: withTransformer.procedure.query(() => 'pong') });

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

// A procedure createCaller cannot call (its proxy answers `toJSON` with a label).
const labelRouter = router({ doc: router({ toJSON: publicProcedure.query(() => 'the procedure') }) });

async function start(appRouter: typeof testRouter | typeof transformerRouter | typeof labelRouter, fastPath?: boolean) {
  const lines: { msg: string; reason?: string; level: number }[] = [];
  app = Fastify({ logger: { level: 'info', stream: { write: (l: string) => void lines.push(JSON.parse(l)) } } });
  const stats = registerTrpc(app, {
    prefix: '/trpc',
    router: appRouter,
    fastPath,
    createContext: (req) => createContext({ requestId: String(req.id), ip: req.ip, authorization: undefined }),
  });
  await app.ready();
  return { app, stats, lines };
}

async function requestsByPath(): Promise<Record<string, number>> {
  const metric = await metricsRegistry.getSingleMetric('zjmall_trpc_requests_total')?.get();
  const out: Record<string, number> = { fast: 0, stock: 0 };
  for (const v of metric?.values ?? []) out[String(v.labels.path)] = v.value;
  return out;
}

describe('fast path switch', () => {
  it('is on for the platform router: says so at startup and counts requests by path', async () => {
    const t = await start(testRouter);
    expect(t.stats.fastPathOff).toBeNull();
    expect(t.lines.filter((l) => /fast path/.test(l.msg)).map((l) => l.msg)).toEqual(['tRPC fast path on']);

    const before = await requestsByPath();
    expect((await t.app.inject({ url: '/trpc/health.ping' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/trpc/health.ping?batch=1' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/trpc/nope' })).statusCode).toBe(404);
    const after = await requestsByPath();
    expect({ fast: after.fast - before.fast, stock: after.stock - before.stock }).toEqual({ fast: 2, stock: 1 });
  });

  it('is off with a data transformer: a warning says why, and the stock adapter answers everything', async () => {
    const t = await start(transformerRouter);
    expect(t.stats.fastPathOff).toBe('a data transformer is configured');
    const said = t.lines.filter((l) => /fast path/.test(l.msg));
    expect(said).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'tRPC fast path off: a data transformer is configured',
        reason: 'a data transformer is configured',
      }),
    ]);

    const before = await requestsByPath();
    const res = await t.app.inject({ url: '/trpc/ping' });
    // The transformer's own wire format, which only the stock adapter writes.
    expect(res.json()).toEqual({ result: { data: { wrapped: 'pong' } } });
    expect(t.stats).toMatchObject({ fastPath: 0, stock: 1 });
    const after = await requestsByPath();
    expect({ fast: after.fast - before.fast, stock: after.stock - before.stock }).toEqual({ fast: 0, stock: 1 });
  });

  it('is off when the caller turns it off, and says so', async () => {
    const t = await start(testRouter, false);
    expect(t.stats.fastPathOff).toBe('turned off (fastPath: false)');
    expect(t.lines.some((l) => l.msg === 'tRPC fast path off: turned off (fastPath: false)')).toBe(true);
    await t.app.inject({ url: '/trpc/health.ping' });
    expect(t.stats).toMatchObject({ fastPath: 0, stock: 1 });
  });

  it('sends a procedure createCaller cannot address to the stock handler, which calls it', async () => {
    const t = await start(labelRouter);
    const res = await t.app.inject({ url: '/trpc/doc.toJSON' });
    expect(res.json()).toEqual({ result: { data: 'the procedure' } });
    expect(t.stats).toMatchObject({ fastPath: 0, stock: 1 });
  });
});
