import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import type { AnyTRPCRouter, TRPCError, TRPCProcedureType } from '@trpc/server';
import { fastifyRequestHandler, type CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import { createCallerFactory, metricsRegistry, type Context } from '@zjmall/platform';
import { planFastCall } from './eligibility';
import { errorShaper, fastPathBlocker, listProcedures } from './router-internals';
import { serveFast, type CallerNode, type FastServer } from './serve-fast';

/**
 * tRPC over Fastify with a native wire path for plain queries and mutations.
 *
 * The stock adapter turns every request into a Fetch `Request`, AbortSignals and a streamed
 * `Response` (docs/architecture.md "Performance"). Ordinary calls — GET queries and POST
 * mutations, single or `?batch=1`, JSON, not streaming — are answered here instead: the request is
 * routed and its input parsed by eligibility.ts, the procedures are called through tRPC's
 * documented server-side caller (`createCaller(ctx)`, which runs tRPC's own middleware chain),
 * and serve-fast.ts writes tRPC's JSON envelope with the router's error formatter and tRPC's
 * status rules. Everything else (subscriptions/SSE, `trpc-accept: application/jsonl`,
 * connectionParams, unknown paths, method mismatches, malformed input, form data, HEAD/OPTIONS/…)
 * goes to the stock `fastifyRequestHandler`, so its answers are tRPC's own by construction. A
 * router the fast path cannot serve (a data transformer, another path separator) sends everything
 * to the stock handler, and the startup log says so.
 *
 * Not reproduced on the fast path (the BFF uses none of them): `responseMeta`,
 * `allowMethodOverride`, `maxBatchSize`, the per-call AbortSignal (procedures get
 * `signal: undefined`, as with `createCaller`) and `batchIndex` (always 0, as with `createCaller`).
 */

export interface TrpcConnectionInfo {
  /** tRPC 11's `connectionParams` (SSE sends them in the URL); null on the fast path. */
  connectionParams: Record<string, string> | null;
}

export type TrpcCreateContext = (
  req: FastifyRequest,
  res: FastifyReply,
  info: TrpcConnectionInfo,
) => Context | Promise<Context>;

/**
 * What the stock adapter's `onError` gets, minus `ctx`. On the fast path `input` is the call's raw
 * input as sent (as `createCaller`'s onError has it); the stock handler reports it only once the
 * procedure has read it.
 */
export interface TrpcErrorEvent {
  error: TRPCError;
  path: string | undefined;
  type: TRPCProcedureType | 'unknown';
  input: unknown;
  req: FastifyRequest;
}

export interface RegisterTrpcOptions {
  /** Where the router is served, e.g. `/trpc`. */
  prefix: string;
  router: AnyTRPCRouter;
  createContext: TrpcCreateContext;
  onError?: (event: TrpcErrorEvent) => void;
  /** Default true; false sends every request to the stock handler (the differential test compares). */
  fastPath?: boolean;
}

/** How many requests each path answered, and why the fast path is off (null: on). Never sent to clients. */
export interface TrpcRouteStats {
  fastPath: number;
  stock: number;
  readonly fastPathOff: string | null;
}

/** `zjmall_trpc_requests_total{path="fast"|"stock"}`: which path answered each `/trpc` request. */
const trpcRequests = new Counter({
  name: 'zjmall_trpc_requests_total',
  help: 'tRPC HTTP requests by the path that answered them: fast (native wire path) or stock (tRPC adapter)',
  labelNames: ['path'] as const,
  registers: [metricsRegistry],
});
const fastRequests = trpcRequests.labels('fast');
const stockRequests = trpcRequests.labels('stock');

const NO_CONNECTION_PARAMS: TrpcConnectionInfo = Object.freeze({ connectionParams: null });

export function registerTrpc(app: FastifyInstance, opts: RegisterTrpcOptions): TrpcRouteStats {
  const { router, createContext, onError } = opts;
  const fastPathOff = opts.fastPath === false ? 'turned off (fastPath: false)' : fastPathBlocker(router);
  const stats: TrpcRouteStats = { fastPath: 0, stock: 0, fastPathOff };
  if (fastPathOff === null) app.log.info({ prefix: opts.prefix }, 'tRPC fast path on');
  else app.log.warn({ prefix: opts.prefix, reason: fastPathOff }, `tRPC fast path off: ${fastPathOff}`);

  const procedureTypes = new Map(
    listProcedures(router)
      .filter((p) => callerCanAddress(p.path))
      .map((p) => [p.path, p.type]),
  );
  const callerOf = createCallerFactory(router);
  const server: FastServer = {
    createContext: (req, reply) => createContext(req, reply, NO_CONNECTION_PARAMS),
    // What createCaller returns, typed by path segment rather than by the router's record.
    createCaller: (ctx) => callerOf(ctx) as unknown as CallerNode,
    shapeError: errorShaper(router),
    onError,
  };

  const stockOptions = {
    router,
    createContext: ({ req, res, info }: CreateFastifyContextOptions) =>
      createContext(
        req,
        res,
        info.connectionParams === null
          ? NO_CONNECTION_PARAMS
          : { connectionParams: definedOnly(info.connectionParams) },
      ),
    onError: onError
      ? (o: TrpcErrorEvent) => onError({ error: o.error, path: o.path, type: o.type, input: o.input, req: o.req })
      : undefined,
  };

  // Encapsulated, as fastifyTRPCPlugin is: the raw-body parsers apply to the tRPC route only.
  void app.register(
    (scope, _pluginOpts, done) => {
      // The stock handler wants the JSON body unparsed (it parses per call, lazily); the fast path
      // parses it once itself.
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, next) => next(null, body));
      scope.removeContentTypeParser('multipart/form-data');
      scope.addContentTypeParser('multipart/form-data', {}, (_req, body, next) => next(null, body));

      // A callback-style handler: no wrapThenable per request, and errors are ours to send.
      scope.all<{ Params: { path: string } }>('/:path', (req, reply) => {
        const path = req.params.path;
        const plan = fastPathOff === null ? planFastCall(req, path, procedureTypes) : null;
        let served: Promise<unknown>;
        if (plan !== null) {
          stats.fastPath++;
          fastRequests.inc();
          served = serveFast(server, req, reply, plan);
        } else {
          stats.stock++;
          stockRequests.inc();
          served = fastifyRequestHandler({ ...stockOptions, req, res: reply, path });
        }
        served.catch((err: unknown) => {
          if (reply.sent) req.log.error({ err }, 'tRPC handler failed after replying');
          else void reply.send(err);
        });
      });
      done();
    },
    { prefix: opts.prefix },
  );
  return stats;
}

/** tRPC has already checked every value is a string (parseConnectionParamsFromUnknown); its type still allows holes. */
function definedOnly(params: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return out;
}

// createCaller's proxy answers a call whose last segment is one of these with a label (`tRPC.proxy(…)`)
// instead of calling the procedure (`then`, `call` and `apply` cannot be procedure names at all).
const LABEL_SEGMENTS = new Set(['valueOf', 'toString', 'toJSON']);

/** Whether `createCaller` can call this path; the stock handler answers the others. */
function callerCanAddress(path: string): boolean {
  return !LABEL_SEGMENTS.has(path.slice(path.lastIndexOf('.') + 1));
}
