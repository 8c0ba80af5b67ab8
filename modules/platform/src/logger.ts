import { hostname } from 'node:os';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, stdTimeFunctions, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /**
   * Lines a person reads (pino-pretty as the destination stream, colours, local time), for a
   * terminal; otherwise one JSON object per line, for machines.
   */
  pretty?: boolean;
  /** Where the lines go (default stdout). */
  destination?: NodeJS.WritableStream;
}

/**
 * Fields that may hold a secret, wherever a caller puts them (a header object, an input, a config,
 * an error's own fields): their value is replaced before the line is written, down to three levels
 * (`password`, `input.password`, `req.headers.authorization`).
 */
const SECRET_KEYS = new Set([
  'authorization',
  'cookie',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'guestToken',
  'refreshToken',
  'secret',
  'jwtSecret',
  'paymentCallbackSecret',
  'JWT_SECRET',
  'JWT_SECRET_PREVIOUS',
  'PAYMENT_CALLBACK_SECRET',
  'ADMIN_PASSWORD',
  'DATABASE_URL',
  'REDIS_URL',
]);
const CENSOR = '[redacted]';
const SECRET_DEPTH = 3;

const walkable = (v: unknown): v is object =>
  typeof v === 'object' && v !== null && (Array.isArray(v) || v instanceof Error || isPlain(v));
const isPlain = (v: object) => {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** The same kind of error with the same fields (message and stack included), to be changed instead of `e`. */
function errorCopy(e: Error): Record<string, unknown> {
  return Object.defineProperties(
    Object.create(Object.getPrototypeOf(e) as object),
    Object.getOwnPropertyDescriptors(e),
  ) as Record<string, unknown>;
}

/**
 * `v` with every value under a secret key replaced, down to `depth` levels; `v` itself when it holds
 * none, so a line without secrets (almost every line) is neither copied nor changed. A copy is made
 * only along the way to a secret, never of the caller's object (an Error holding one: a copy of the
 * same class, so pino's err serializer still writes its type, message and stack).
 */
function scrub<T>(v: T, depth: number): T {
  if (depth === 0 || !walkable(v)) return v;
  if (Array.isArray(v)) {
    // An array's items are at the array's own level (`items[0].token` is two levels, like `items.token`).
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = scrub(x, depth);
      if (y !== x) (out ??= v.slice())[i] = y;
    }
    return (out ?? v) as T;
  }
  let out: Record<string, unknown> | null = null;
  const src = v as Record<string, unknown>;
  for (const key of Object.keys(src)) {
    const x = src[key];
    const y = SECRET_KEYS.has(key) && x !== undefined ? CENSOR : scrub(x, depth - 1);
    if (y !== x) (out ??= v instanceof Error ? errorCopy(v) : { ...src })[key] = y;
  }
  return (out ?? v) as T;
}

/**
 * pino's documented `formatters.log`: every line's fields pass `scrub`. (A child logger's bindings
 * do not: pino applies no formatter to them. The only child is Fastify's per-request one, bound to
 * the request id; code here binds no child of its own.)
 */
const formatters = {
  log: (o: Record<string, unknown>) => scrub(o, SECRET_DEPTH),
};

/** The active span's ids (tracing on: OTEL_EXPORTER_OTLP_ENDPOINT), so a log line finds its trace. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  return isSpanContextValid(c) ? { trace_id: c.traceId, span_id: c.spanId } : {};
}

/**
 * JSON lines for a log pipeline (Loki): ISO-8601 UTC `time`, `service` (the process kind: `bff`,
 * `worker`; `name` also says which cluster process), `trace_id`/`span_id` inside a traced request,
 * secrets redacted.
 */
export function createLogger(level: string, name = 'zjmall', opts: LoggerOptions = {}): Logger {
  const options = {
    level,
    name,
    base: { service: name.split('#')[0], pid: process.pid, hostname: hostname() },
    timestamp: stdTimeFunctions.isoTime,
    formatters,
    mixin: traceFields,
  };
  if (!opts.pretty) return opts.destination ? pino(options, opts.destination) : pino(options);
  return pino(
    options,
    pretty({
      colorize: !opts.destination,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      ...(opts.destination ? { destination: opts.destination } : {}),
    }),
  );
}
