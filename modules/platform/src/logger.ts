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
 * Fields that may hold a secret, wherever a caller puts them (a header object, an input, a config):
 * their value is replaced before the line is written. Paths are pino's (`*` is one level).
 */
const SECRET_KEYS = [
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
];
const REDACT = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

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
    redact: { paths: REDACT, censor: '[redacted]' },
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
