import { Histogram, Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; node:cluster aggregation happens in apps/bff. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const procedureDuration = new Histogram({
  name: 'zjmall_trpc_procedure_duration_seconds',
  help: 'tRPC procedure latency by path, type and outcome',
  labelNames: ['path', 'type', 'outcome'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

export const domainErrors = new Counter({
  name: 'zjmall_domain_errors_total',
  help: 'Expected failures answered with an appCode',
  labelNames: ['app_code'] as const,
  registers: [metricsRegistry],
});
