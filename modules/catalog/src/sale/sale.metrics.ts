import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@zjmall/platform';

/** Queued sales (docs/api.md, Metrics): queue length, admissions (rate() = admissions/s), waits. */
export const saleQueueLength = new Gauge({
  name: 'zjmall_sale_queue_length',
  help: 'Tickets still queued (waiting or told sold out) per queued sale',
  labelNames: ['sale'] as const,
  registers: [metricsRegistry],
});

export const saleAdmissions = new Counter({
  name: 'zjmall_sale_admissions_total',
  help: 'Sale tickets admitted',
  registers: [metricsRegistry],
});

export const saleWaitSeconds = new Histogram({
  name: 'zjmall_sale_wait_seconds',
  help: 'From sale.join to admission',
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
  registers: [metricsRegistry],
});
