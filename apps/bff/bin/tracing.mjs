// Tracing (OpenTelemetry), loaded by start.mjs before anything else when OTEL_EXPORTER_OTLP_ENDPOINT
// is set: the ESM loader hook first (the app is ESM through tsx, so pg, ioredis and Fastify are
// patched by import-in-the-middle as they are imported, OpenTelemetry's documented ESM set-up), then
// the SDK with the HTTP, Fastify, pg and ioredis instrumentations. Spans go to the OTLP/HTTP endpoint;
// every standard OTEL_* variable applies (OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, OTEL_BSP_*…).
import { register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const { NodeSDK } = await import('@opentelemetry/sdk-node');
const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');
const { IORedisInstrumentation } = await import('@opentelemetry/instrumentation-ioredis');
const { default: FastifyOtelInstrumentation } = await import('@fastify/otel');

/** Probes and scrapes arrive every few seconds: no trace for them. */
const QUIET = /^\/(health|ready|metrics)(\?|$)/;

const worker = (process.env.ZJMALL_ENTRY ?? '').includes('worker');
const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? (worker ? 'zjmall-worker' : 'zjmall-bff'),
  traceExporter: new OTLPTraceExporter(),
  instrumentations: [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => QUIET.test(req.url ?? '') }),
    new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (o) => QUIET.test(o.url) }),
    // requireParentSpan: SQL outside a request or an event (the relay's polling, sweepers) makes no trace of its own.
    new PgInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
  ],
});
sdk.start();
