import type { FastifyReply, FastifyRequest } from 'fastify';
import { getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { TRPCErrorShape, TRPCResponse } from '@trpc/server/rpc';
import { isSharedResult, resultJson, type Context } from '@zjmall/platform';
import type { FastCall, FastPlan } from './eligibility';
import type { ErrorShapeInput } from './router-internals';
import type { TrpcErrorEvent } from './fast-path';

/**
 * Answers a planned request (eligibility.ts) by calling its procedures through tRPC's documented
 * server-side caller (`createCaller(ctx)`, one per request) and writing tRPC's JSON envelope once.
 * The steps are the stock adapter's (resolveResponse): make the context, run the calls, shape
 * errors with the router's formatter, pick the status, send.
 */

/** `caller.a.b(input)` for any path: what `createCaller(ctx)` returns, seen without the router's types. */
export interface CallerNode {
  (input?: unknown): Promise<unknown>;
  readonly [segment: string]: CallerNode;
}

export interface FastServer {
  createContext: (req: FastifyRequest, reply: FastifyReply) => Context | Promise<Context>;
  createCaller: (ctx: Context) => CallerNode;
  shapeError: (opts: ErrorShapeInput) => TRPCErrorShape;
  onError: ((event: TrpcErrorEvent) => void) | undefined;
}

type Outcome = { ok: true; data: unknown } | { ok: false; error: TRPCError };

interface RequestState {
  server: FastServer;
  req: FastifyRequest;
  type: FastPlan['type'];
  ctx: Context | undefined;
  caller: CallerNode | undefined;
  ctxError: TRPCError | undefined;
}

const JSON_CONTENT_TYPE = 'application/json';
// resolveResponse sets this on every answer: caches must key on the streaming headers.
const VARY = 'trpc-accept, accept';
/**
 * The body is serialised already. Passing it through a serializer makes Fastify send the string as
 * is, in one write, and leave the content type exactly as the stock adapter sends it (a plain
 * string would get `; charset=utf-8` appended; a Buffer costs a copy and a writev).
 */
const alreadyJson = (body: string): string => body;

export async function serveFast(server: FastServer, req: FastifyRequest, reply: FastifyReply, plan: FastPlan) {
  const state = await openRequest(server, req, reply, plan.type);
  const outs = await runCalls(state, plan);
  const { json, errors } = envelope(state, plan, outs);
  const answer = serializeOrFail(state, json, errors);
  // getHTTPStatusCode: the shape's httpStatus, and 207 when a batch's statuses differ.
  const status = answer.errors === null ? 200 : getHTTPStatusCode(answer.json, answer.errors);
  void reply
    .code(status)
    .header('content-type', JSON_CONTENT_TYPE)
    .header('vary', VARY)
    .serializer(alreadyJson)
    .send(answer.body);
}

/** The context and its caller; as in the stock handler, a failed context fails each call, not the request. */
async function openRequest(
  server: FastServer,
  req: FastifyRequest,
  reply: FastifyReply,
  type: FastPlan['type'],
): Promise<RequestState> {
  const state: RequestState = { server, req, type, ctx: undefined, caller: undefined, ctxError: undefined };
  try {
    state.ctx = await server.createContext(req, reply);
    state.caller = server.createCaller(state.ctx);
  } catch (cause) {
    state.ctxError = getTRPCErrorFromUnknown(cause);
  }
  return state;
}

function runCalls(state: RequestState, plan: FastPlan): Promise<Outcome[]> {
  // httpBatchLink sends even a lone call as a batch: skip Promise.all's bookkeeping for it.
  if (plan.calls.length === 1) return runCall(state, plan.calls[0]).then((out) => [out]);
  return Promise.all(plan.calls.map((call) => runCall(state, call)));
}

async function runCall(state: RequestState, call: FastCall): Promise<Outcome> {
  try {
    if (state.caller === undefined) throw state.ctxError;
    return { ok: true, data: await callAt(state.caller, call.path, call.input) };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    state.server.onError?.({ error, path: call.path, type: state.type, input: call.input, req: state.req });
    return { ok: false, error };
  }
}

/** `caller.cart.get(input)` for the path `cart.get`: one property per segment, as the docs call it. */
function callAt(caller: CallerNode, path: string, input: unknown): Promise<unknown> {
  let node = caller;
  let start = 0;
  for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', start)) {
    node = node[path.slice(start, dot)];
    start = dot + 1;
  }
  return node[path.slice(start)](input);
}

interface Envelope {
  json: TRPCResponse | TRPCResponse[];
  /** Each answer's error, where it has one (null: none failed). */
  errors: (TRPCError | undefined)[] | null;
}

/** The JSON envelope of the outcomes, as resolveResponse builds it for a non-streaming request. */
function envelope(state: RequestState, plan: FastPlan, outs: Outcome[]): Envelope {
  if (!plan.batch) {
    const out = outs[0];
    if (!out.ok) return { json: { error: callErrorShape(state, out.error, plan.calls[0]) }, errors: [out.error] };
    // Stock throws this past the call (no path, no input in the shape).
    if (isDataStream(out.data)) return requestFailure(state, streamError());
    return { json: { result: { data: out.data } }, errors: null };
  }
  let errors: (TRPCError | undefined)[] | null = null;
  const items = new Array<TRPCResponse>(outs.length);
  for (let i = 0; i < outs.length; i++) {
    const out = outs[i];
    // In a batch, a stream-like result is a per-call error that onError never hears about.
    const error = !out.ok ? out.error : isDataStream(out.data) ? streamError() : undefined;
    if (error === undefined) {
      items[i] = { result: { data: out.ok ? out.data : undefined } };
    } else {
      (errors ??= new Array<TRPCError | undefined>(outs.length))[i] = error;
      items[i] = { error: callErrorShape(state, error, plan.calls[i]) };
    }
  }
  return { json: items, errors };
}

function callErrorShape(state: RequestState, error: TRPCError, call: FastCall): TRPCErrorShape {
  return state.server.shapeError({ error, ctx: state.ctx, path: call.path, type: state.type, input: call.input });
}

/** resolveResponse's outer catch: one error for the whole request, reported once, shaped without path or input. */
function requestFailure(state: RequestState, error: TRPCError): Envelope {
  state.server.onError?.({ error, path: undefined, type: state.type, input: undefined, req: state.req });
  const shape = state.server.shapeError({ error, ctx: state.ctx, path: undefined, type: state.type, input: undefined });
  return { json: { error: shape }, errors: [error] };
}

function serializeOrFail(state: RequestState, json: Envelope['json'], errors: Envelope['errors']) {
  try {
    return { json, errors, body: serialize(json) };
  } catch (cause) {
    // e.g. a BigInt in an output: stock answers 500
    const failed = requestFailure(state, getTRPCErrorFromUnknown(cause));
    return { ...failed, body: JSON.stringify(failed.json) };
  }
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

// resolveResponse's own tests, restated (its helpers are not exported): arrays are not objects here.
const isObject = (v: unknown): v is Record<string, unknown> => !!v && !Array.isArray(v) && typeof v === 'object';
const isAsyncIterable = (v: unknown): boolean => isObject(v) && Symbol.asyncIterator in v;
const isPromise = (v: unknown): boolean =>
  (isObject(v) || typeof v === 'function') &&
  typeof (v as { then?: unknown }).then === 'function' &&
  typeof (v as { catch?: unknown }).catch === 'function';

/** resolveResponse's isDataStream: an async iterable, or an object holding promises/iterables at the top. */
function isDataStream(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (isAsyncIterable(v)) return true;
  for (const key in v) {
    if (!Object.hasOwn(v, key)) continue;
    if (isPromise(v[key]) || isAsyncIterable(v[key])) return true;
  }
  return false;
}
