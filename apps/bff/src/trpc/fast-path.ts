import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  getErrorShape,
  getTRPCErrorFromUnknown,
  TRPCError,
  type AnyTRPCRouter,
  type TRPCProcedureType,
} from '@trpc/server';
import { fastifyRequestHandler, type CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import { getHTTPStatusCode } from '@trpc/server/http';
import {
  isAsyncIterable,
  isObject,
  isPromise,
  type TRPCErrorShape,
  type TRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import { isSharedResult, resultJson, type Context } from '@zjmall/platform';
import { planFastCall, type FastCall, type FastPlan } from './eligibility';
import { invokeProcedure } from './invoke';

/**
 * tRPC over Fastify with a native path for plain queries and mutations.
 *
 * The stock adapter turns every request into a Fetch `Request`, AbortSignals and a streamed
 * `Response` (≈ 110 µs of CPU here, docs/architecture.md "Performance"). Ordinary calls — GET queries and
 * POST mutations, single or `?batch=1`, JSON, not streaming — are answered here with the same
 * procedures, context, error formatter and status rules, serialised once. Everything else
 * (subscriptions/SSE, `trpc-accept: application/jsonl`, connectionParams, unknown paths, method
 * mismatches, malformed input, form data, HEAD/OPTIONS/…) goes to the stock
 * `fastifyRequestHandler`, so its answers are tRPC's own by construction.
 *
 * eligibility.ts decides which path a request takes; invoke.ts runs a procedure's middleware
 * chain without tRPC's per-step transpiled object spreads.
 *
 * Not reproduced on the fast path (the BFF uses none of them): `responseMeta`, a data transformer
 * (a router with one is never served here), `allowMethodOverride`, `maxBatchSize`, and the
 * per-call AbortSignal (procedures get `signal: undefined`, as with `createCaller`).
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

/** What the stock adapter's `onError` gets, minus `ctx`. */
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

/** How many requests each path answered: for tests and metrics, never sent to clients. */
export interface TrpcRouteStats {
  fastPath: number;
  stock: number;
}

const NO_CONNECTION_PARAMS: TrpcConnectionInfo = Object.freeze({ connectionParams: null });
const JSON_CONTENT_TYPE = 'application/json';
// resolveResponse sets this on every answer: caches must key on the streaming headers.
const VARY = 'trpc-accept, accept';
/**
 * The body is serialised already. Passing it through a serializer makes Fastify send the string as
 * is, in one write, and leave the content type exactly as the stock adapter sends it (a plain
 * string would get `; charset=utf-8` appended; a Buffer costs a copy and a writev).
 */
const alreadyJson = (body: string): string => body;

export function registerTrpc(app: FastifyInstance, opts: RegisterTrpcOptions): TrpcRouteStats {
  const stats: TrpcRouteStats = { fastPath: 0, stock: 0 };
  const { router, createContext, onError } = opts;
  const fastPath = opts.fastPath ?? true;

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
        const plan = fastPath ? planFastCall(req, path, router) : null;
        let served: Promise<unknown>;
        if (plan !== null) {
          stats.fastPath++;
          served = serveFast(req, reply, plan, router, createContext, onError);
        } else {
          stats.stock++;
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

type Outcome = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/** Per-request state the stock handler also keeps: the context, and whether any call read its input. */
interface RequestState {
  req: FastifyRequest;
  type: FastPlan['type'];
  ctx: Context | undefined;
  ctxError: TRPCError | undefined;
  /** The stock adapter reports `input` to onError/errorFormatter only once some call has read it. */
  inputsRead: boolean;
  onError: RegisterTrpcOptions['onError'];
}

async function serveFast(
  req: FastifyRequest,
  reply: FastifyReply,
  plan: FastPlan,
  router: AnyTRPCRouter,
  createContext: TrpcCreateContext,
  onError: RegisterTrpcOptions['onError'],
): Promise<void> {
  const config = router._def._config;
  const state: RequestState = { req, type: plan.type, ctx: undefined, ctxError: undefined, inputsRead: false, onError };
  try {
    state.ctx = await createContext(req, reply, NO_CONNECTION_PARAMS);
  } catch (cause) {
    // As the stock handler: a failed context fails each call, not the request.
    state.ctxError = getTRPCErrorFromUnknown(cause);
  }

  let json: TRPCResponse | TRPCResponse[] = [];
  let errors: (TRPCError | undefined)[] | null = null;
  let wholeError: TRPCError | null = null;

  if (!plan.batch) {
    const call = plan.calls[0];
    const out = await runCall(state, call, 0);
    if (!out.ok) {
      errors = [out.error];
      json = { error: errorShape(config, state, out.error, call) };
    } else if (isDataStream(out.data)) {
      // Stock throws this past the call (no path, no input in the shape).
      wholeError = streamError();
    } else {
      json = { result: { data: out.data } };
    }
  } else {
    // httpBatchLink sends even a lone call as a batch: skip Promise.all's bookkeeping for it.
    const outs =
      plan.calls.length === 1
        ? [await runCall(state, plan.calls[0], 0)]
        : await Promise.all(plan.calls.map((call, i) => runCall(state, call, i)));
    const items = new Array<TRPCResponse>(outs.length);
    for (let i = 0; i < outs.length; i++) {
      const out = outs[i];
      // In a batch, a stream-like result is a per-call error that onError never hears about.
      const error = !out.ok ? out.error : isDataStream(out.data) ? streamError() : undefined;
      if (error === undefined) {
        items[i] = { result: { data: out.ok ? out.data : undefined } };
      } else {
        (errors ??= new Array<TRPCError | undefined>(outs.length))[i] = error;
        items[i] = { error: errorShape(config, state, error, plan.calls[i]) };
      }
    }
    json = items;
  }

  let body = '';
  if (wholeError === null) {
    try {
      body = serialize(json);
    } catch (cause) {
      wholeError = getTRPCErrorFromUnknown(cause); // e.g. a BigInt in an output: stock answers 500
    }
  }
  if (wholeError !== null) {
    // resolveResponse's outer catch: reported once, shaped without path or input.
    state.onError?.({ error: wholeError, path: undefined, type: plan.type, input: undefined, req });
    json = {
      error: getErrorShape({
        config,
        ctx: state.ctx,
        error: wholeError,
        input: undefined,
        path: undefined,
        type: plan.type,
      }),
    };
    errors = [wholeError];
    body = JSON.stringify(json);
  }

  // getHTTPStatusCode: the shape's httpStatus, and 207 when a batch's statuses differ.
  const status = errors === null ? 200 : getHTTPStatusCode(json, errors);
  void reply
    .code(status)
    .header('content-type', JSON_CONTENT_TYPE)
    .header('vary', VARY)
    .serializer(alreadyJson)
    .send(body);
}

async function runCall(state: RequestState, call: FastCall, batchIndex: number): Promise<Outcome> {
  try {
    if (state.ctxError !== undefined) throw state.ctxError;
    const data = await invokeProcedure(call.procedure, {
      path: call.path,
      getRawInput: rawInputReader(state, call),
      ctx: state.ctx,
      type: state.type,
      signal: undefined,
      batchIndex,
    });
    return { ok: true, data };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    state.onError?.({
      error,
      path: call.path,
      type: state.type,
      input: state.inputsRead ? call.input : undefined,
      req: state.req,
    });
    return { ok: false, error };
  }
}

/**
 * A factory rather than an arrow in the options literal: tsx (esbuild keepNames) wraps a function
 * named by its property in a defineProperty call, which would run on every request.
 */
function rawInputReader(state: RequestState, call: FastCall): () => Promise<unknown> {
  return () => {
    state.inputsRead = true;
    return Promise.resolve(call.input);
  };
}

function errorShape(
  config: AnyTRPCRouter['_def']['_config'],
  state: RequestState,
  error: TRPCError,
  call: FastCall,
): TRPCErrorShape {
  return getErrorShape({
    config,
    ctx: state.ctx,
    error,
    input: state.inputsRead ? call.input : undefined,
    path: call.path,
    type: state.type,
  });
}

function streamError(): TRPCError {
  return new TRPCError({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
  });
}

/**
 * `JSON.stringify(json)`, byte for byte, except that a result marked by platform's `sharedResult`
 * is serialised once for all the answers that carry it.
 */
function serialize(json: TRPCResponse | TRPCResponse[]): string {
  if (!Array.isArray(json)) return 'result' in json ? resultEnvelope(json) : JSON.stringify(json);
  let out = '[';
  for (let i = 0; i < json.length; i++) {
    const item = json[i];
    out += (i === 0 ? '' : ',') + ('result' in item ? resultEnvelope(item) : JSON.stringify(item));
  }
  return out + ']';
}

function resultEnvelope(item: { result: { data?: unknown } }): string {
  const data = item.result.data;
  return isSharedResult(data) ? `{"result":{"data":${resultJson(data)}}}` : JSON.stringify(item);
}

/** resolveResponse's isDataStream: an async iterable, or an object holding promises/iterables at the top. */
function isDataStream(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (isAsyncIterable(v)) return true;
  for (const key in v) {
    if (!Object.hasOwn(v, key)) continue;
    const value = v[key];
    if (isPromise(value) || isAsyncIterable(value)) return true;
  }
  return false;
}
