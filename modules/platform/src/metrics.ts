import { Histogram, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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

export const redisUp = new Gauge({
  name: 'zjmall_redis_up',
  help: "1 while this process's circuit breaker lets commands through to the Redis server, 0 while it skips it",
  labelNames: ['server'] as const,
  registers: [metricsRegistry],
  aggregator: 'min',
});

export const redisBreakerTrips = new Counter({
  name: 'zjmall_redis_breaker_trips_total',
  help: 'Times the Redis circuit breaker opened (a timeout or a lost connection)',
  labelNames: ['server'] as const,
  registers: [metricsRegistry],
});

export const rateLimitFailOpen = new Counter({
  name: 'zjmall_rate_limit_fail_open_total',
  help: 'Requests let through unlimited because the rate-limit store (Redis) was unavailable',
  registers: [metricsRegistry],
});

export const locksWithoutRedis = new Counter({
  name: 'zjmall_locks_without_redis_total',
  help: 'Lock acquisitions that ran without Redlock (no quorum of Redis servers reachable): PostgreSQL row locks alone',
  registers: [metricsRegistry],
});

export const cacheRedisSkipped = new Counter({
  name: 'zjmall_cache_redis_skipped_total',
  help: 'Cache operations that did not reach Redis (unavailable, failed, or not trusted until the generation moved)',
  labelNames: ['op'] as const,
  registers: [metricsRegistry],
});

export const cacheGenerationBumps = new Counter({
  name: 'zjmall_cache_generation_bumps_total',
  help: 'Shared cache generation bumps after this process lost a cache write to a Redis failure',
  registers: [metricsRegistry],
});
