import {
  context,
  propagation,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';

/**
 * Manual spans where no instrumentation exists (tRPC procedures, the outbox hop, NATS deliveries),
 * through @opentelemetry/api only: without an SDK (tracing off, OTEL_EXPORTER_OTLP_ENDPOINT unset)
 * every call here is the API's no-op. The SDK is started by apps/bff/bin/tracing.mjs.
 */
export const tracer = trace.getTracer('zjmall');

/**
 * Whether an SDK is registered (tracing on): the global provider is the API's proxy with no delegate
 * while tracing is off. Spans only this process makes (a procedure's) are not started at all then.
 */
export function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer('zjmall') !== undefined;
}

/** W3C trace context of the active span (`traceparent`, maybe `tracestate`); empty when tracing is off. */
export function currentTraceCarrier(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The context a carrier (headers, a stored traceparent) names, on top of the active one. */
export function contextFrom(carrier: Record<string, string> | null | undefined): Context {
  return carrier ? propagation.extract(context.active(), carrier) : context.active();
}

/**
 * Runs `fn` in a new span (active for `fn`), ended when it settles; a throw marks it an error.
 * `parent`: a context carried from elsewhere (an outbox row, a NATS message).
 */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; attributes?: Record<string, string | number>; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes },
    opts.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (e) {
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw e;
      } finally {
        span.end();
      }
    },
  );
}

/** Writes what is buffered to the exporter (before a process exits); nothing when tracing is off. */
export async function flushTraces(): Promise<void> {
  const provider = trace.getTracerProvider();
  const sdk: object = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  if ('forceFlush' in sdk && typeof sdk.forceFlush === 'function') await (sdk.forceFlush as () => Promise<void>)();
}

export { SpanKind, SpanStatusCode };
export type { Span };
