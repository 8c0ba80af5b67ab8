import { initTRPC, TRPCError, type TRPCDefaultErrorShape } from '@trpc/server';
import { ZodError, ZodRealError, type ZodType } from 'zod';
import { APP_CODE_TO_TRPC, type AppCode } from '@zjmall/contracts';
import { DomainError } from '../errors';
import { LockTimeoutError } from '../locks/keyed-mutex';
import { procedureDuration, domainErrors } from '../metrics';
import type { Auth, Context, Role } from './context';
import { SpanStatusCode, tracer, tracingOn, type Span } from '../tracing';
import { FieldError } from './field-error';

const showStacks = process.env.NODE_ENV === 'development' && process.env.ZJMALL_SHOW_STACKS === 'true';

/** Field errors keyed by the full dotted path (`skus.0.price`), plus errors of the whole input. */
export function flattenZodError(e: ZodError) {
  const fieldErrors: Record<string, string[]> = {};
  const formErrors: string[] = [];
  for (const issue of e.issues) {
    if (issue.path.length === 0) formErrors.push(issue.message);
    else (fieldErrors[issue.path.join('.')] ??= []).push(issue.message);
  }
  return { formErrors, fieldErrors };
}

function describeZod(e: ZodError): string {
  return e.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

const TRPC_TO_APP: Partial<Record<TRPCError['code'], AppCode>> = {
  UNAUTHORIZED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
};

/** Who may call a procedure (set by the base procedures below; `/openapi.json` reads it). */
export type ProcedureAccess = 'public' | 'guest' | 'user' | 'admin';

/**
 * Procedure metadata (tRPC's `.meta()`): what the API reference needs and the code does not check.
 * `output` names the output schema of a procedure whose output is not parsed at run time (its
 * answer is built by one typed function and a parse would cost more than the read).
 */
export interface ProcedureMeta {
  access?: ProcedureAccess;
  output?: ZodType;
}

/**
 * The error formatter of every router built here (initTRPC's `errorFormatter`): adds `appCode`,
 * `details`, the flattened zod error and, for a 500, the request id; hides a 500's message. Exported
 * so that tests can shape an error a `createCaller` call threw as a client would see it
 * (platform/testing's `callFailure`).
 */
export function formatError({ shape, error, ctx }: { shape: TRPCDefaultErrorShape; error: TRPCError; ctx?: Context }) {
  const cause = error.cause;
  const zod = cause instanceof ZodError ? cause : null;
  const appCode = cause instanceof DomainError ? cause.appCode : TRPC_TO_APP[error.code];
  const internal = error.code === 'INTERNAL_SERVER_ERROR';
  const { stack: _stack, ...data } = shape.data;
  return {
    ...shape,
    message: zod
      ? `Invalid input: ${describeZod(zod)}`
      : internal && !showStacks
        ? 'Internal server error'
        : shape.message,
    data: {
      ...data,
      ...(showStacks && _stack ? { stack: _stack } : {}),
      ...(appCode ? { appCode } : {}),
      ...(cause instanceof DomainError && cause.details !== undefined ? { details: cause.details } : {}),
      zodError: zod ? flattenZodError(zod) : null,
      ...(internal && ctx ? { requestId: ctx.requestId } : {}),
    },
  };
}

const t = initTRPC.context<Context>().meta<ProcedureMeta>().create({ errorFormatter: formatError });

export const router = t.router;
export const middleware = t.middleware;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/**
 * The one conversion of an expected failure into the tRPC error clients get (every procedure's
 * base middleware and every subscription's stream use it); null for anything else, which tRPC
 * answers as INTERNAL_SERVER_ERROR:
 * - a DomainError: its appCode's tRPC code (contracts' APP_CODE_TO_TRPC), the formatter adds
 *   `appCode` and `details`;
 * - a lock that stayed busy past its wait (LockTimeoutError): the DomainError `BUSY`, retryable;
 * - a FieldError: BAD_REQUEST or CONFLICT with `data.zodError` naming the field, as a schema error.
 */
function toTrpcError(raw: unknown): TRPCError | null {
  if (raw instanceof FieldError) {
    // ZodRealError (unlike ZodError) is an Error, so tRPC keeps it as the cause the formatter reads.
    const cause = new ZodRealError([{ code: 'custom', path: raw.path, message: raw.message, input: undefined }]);
    return new TRPCError({ code: raw.code, message: raw.message, cause });
  }
  const cause =
    raw instanceof LockTimeoutError ? new DomainError('BUSY', 'Busy, please retry', { retryable: true }) : raw;
  if (!(cause instanceof DomainError)) return null;
  domainErrors.inc({ app_code: cause.appCode });
  return new TRPCError({ code: APP_CODE_TO_TRPC[cause.appCode], message: cause.message, cause });
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';

/**
 * A subscription's stream throws after its procedure has returned (an ownership check at its
 * first read, a failure while it runs), past the middleware's `next()`: its errors get the same
 * mapping on their way to the client. `yield*` passes the client's cancel (`return()`) through.
 */
async function* mapStreamErrors<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (e) {
    throw toTrpcError(e) ?? e;
  }
}

type Outcome = { ok: true } | { ok: false; error: TRPCError };

/** A span's record of a failure: its appCode (or tRPC code) and message. */
function markFailed(span: Span, error: TRPCError): void {
  const cause = error.cause;
  span.setAttribute('zjmall.app_code', cause instanceof DomainError ? cause.appCode : error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * What every procedure's one middleware does around its call (`run`: the access check, if any, then
 * `next()`): expected failures → tRPC errors (toTrpcError, the one place), the latency histogram, the
 * error log. A refusal thrown by the access check is converted the same way and thrown as the
 * TRPCError (tRPC answers a middleware's throw as its error).
 */
async function measured<R extends Outcome>(
  path: string,
  type: string,
  ctx: Context,
  run: () => Promise<R>,
): Promise<R> {
  const start = performance.now();
  let result: R;
  try {
    result = await run();
  } catch (raw) {
    const err = toTrpcError(raw);
    const outcome = err ? (err.cause instanceof DomainError ? err.cause.appCode : err.code) : 'INTERNAL_SERVER_ERROR';
    if (!err) ctx.log.error({ err: raw, requestId: ctx.requestId, path }, 'unhandled error in procedure');
    procedureDuration.observe({ path, type, outcome }, (performance.now() - start) / 1000);
    throw err ?? raw;
  }
  let outcome = 'ok';
  if (!result.ok) {
    const err = toTrpcError(result.error.cause);
    if (err) {
      outcome = err.cause instanceof DomainError ? err.cause.appCode : err.code;
      procedureDuration.observe({ path, type, outcome }, (performance.now() - start) / 1000);
      return { ...result, error: err };
    }
    outcome = result.error.code;
    if (result.error.code === 'INTERNAL_SERVER_ERROR') {
      ctx.log.error(
        { err: result.error.cause ?? result.error, requestId: ctx.requestId, path },
        'unhandled error in procedure',
      );
    }
  }
  procedureDuration.observe({ path, type, outcome }, (performance.now() - start) / 1000);
  if (result.ok && type === 'subscription' && 'data' in result && isAsyncIterable(result.data))
    return { ...result, data: mapStreamErrors(result.data) };
  return result;
}

/**
 * `measured`, inside a span per call named by the procedure's path when tracing is on
 * (apps/bff/bin/tracing.mjs), so that the SQL and Redis spans of the call sit beneath it, on the fast
 * path and tRPC's adapter alike; a failure carries its appCode (or tRPC code). With tracing off no
 * span is started at all (tracingOn(): no SDK registered).
 */
function around<R extends Outcome>(path: string, type: string, ctx: Context, run: () => Promise<R>): Promise<R> {
  if (!tracingOn()) return measured(path, type, ctx, run);
  return tracer.startActiveSpan(
    path,
    { attributes: { 'rpc.system': 'trpc', 'rpc.method': path, 'trpc.type': type } },
    async (span) => {
      try {
        const result = await measured(path, type, ctx, run);
        if (!result.ok) markFailed(span, result.error);
        return result;
      } catch (e) {
        if (e instanceof TRPCError) markFailed(span, e);
        throw e;
      } finally {
        span.end();
      }
    },
  );
}

async function requireAuth(ctx: Context): Promise<Auth> {
  const r = await ctx.auth();
  if (r.ok) return r.auth;
  if (r.reason === 'disabled') throw new DomainError('ACCOUNT_DISABLED', 'This account is disabled');
  const msg = {
    missing: 'Sign in or get a guest token first',
    expired: 'Token expired',
    revoked: 'Signed out; sign in again',
    invalid: 'Invalid token',
  }[r.reason];
  throw new DomainError('UNAUTHENTICATED', msg);
}

async function requireUser(ctx: Context): Promise<{ id: string; role: Role }> {
  const auth = await requireAuth(ctx);
  if (auth.kind !== 'user') throw new DomainError('UNAUTHENTICATED', 'Sign in to do this');
  return { id: auth.userId, role: auth.role };
}

/*
 * Each base procedure has exactly one middleware of ours — the access check folded into `around` —
 * because every middleware step costs a procedure call tRPC's own copying of the call options (and
 * of the context at `next({ ctx })`, which gets only the keys added): infra/bench/RESULTS.md.
 */

/** Anyone. */
export const publicProcedure = t.procedure
  .meta({ access: 'public' })
  .use(({ path, type, ctx, next }) => around(path, type, ctx, () => next()));

/** A signed-in user or a guest. */
export const guestProcedure = t.procedure
  .meta({ access: 'guest' })
  .use(({ path, type, ctx, next }) =>
    around(path, type, ctx, async () => next({ ctx: { caller: await requireAuth(ctx) } })),
  );

/** A signed-in user (customer or admin). */
export const userProcedure = t.procedure
  .meta({ access: 'user' })
  .use(({ path, type, ctx, next }) =>
    around(path, type, ctx, async () => next({ ctx: { user: await requireUser(ctx) } })),
  );

/** A signed-in admin. */
export const adminProcedure = t.procedure.meta({ access: 'admin' }).use(({ path, type, ctx, next }) =>
  around(path, type, ctx, async () => {
    const user = await requireUser(ctx);
    if (user.role !== 'admin') throw new DomainError('FORBIDDEN', 'Admins only');
    return next({ ctx: { user } });
  }),
);

export type { Context };
