import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import type { RedisHealth } from '@zjmall/platform';
import { rateLimitFailOpen } from '@zjmall/platform';

// INCR the window's counter; the first hit of a window sets its expiry. Answers [count, ttl ms].
const SCRIPT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {current, tonumber(ARGV[1])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`;

type ChildOptions = Parameters<FastifyRateLimitStore['child']>[0];
type IncrCallback = (err: Error | null, res?: { current: number; ttl: number }) => void;

/** The script as a command of its own (ioredis `defineCommand`: EVALSHA, loading it when missing). */
interface WithRateLimit {
  zjmallRateLimit(key: string, windowMs: number): Promise<[number, number]>;
}

/**
 * A fixed-window @fastify/rate-limit store in Redis (shared by every BFF process) that fails open:
 * while Redis is unavailable (its breaker open) or a call fails, the request is let through
 * unlimited and counted in zjmall_rate_limit_fail_open_total. It is registered with
 * `skipOnError: true`, which is what makes the plugin let an erroring request through.
 */
export function redisRateLimitStore(health: RedisHealth, nameSpace: string) {
  health.client.defineCommand('zjmallRateLimit', { numberOfKeys: 1, lua: SCRIPT });
  const client = health.client as unknown as WithRateLimit;
  return class RedisRateLimitStore implements FastifyRateLimitStore {
    constructor(
      readonly options: FastifyRateLimitOptions,
      readonly key = nameSpace,
    ) {}

    // The plugin passes the window in milliseconds (its README: always numeric for a store).
    incr(key: string, cb: IncrCallback, timeWindow?: number): void {
      const fallback = (this.options as { timeWindow?: unknown }).timeWindow;
      const window = Math.max(1, Math.ceil(timeWindow ?? (typeof fallback === 'number' ? fallback : 60_000)));
      health
        .guard(() => client.zjmallRateLimit(`${this.key}${key}`, window))
        .then(
          ([current, ttl]) => cb(null, { current, ttl }),
          (err: unknown) => {
            rateLimitFailOpen.inc();
            cb(err instanceof Error ? err : new Error(String(err)));
          },
        );
    }

    // A route with a rateLimit config of its own: its own counters. The README names the extra
    // parameter `routeInfo` (the route's options), which the published types leave out.
    child(routeOptions: ChildOptions & { routeInfo?: { method?: unknown; url?: unknown } }): RedisRateLimitStore {
      const info = routeOptions.routeInfo ?? {};
      return new RedisRateLimitStore(
        { ...this.options, ...(routeOptions as FastifyRateLimitOptions) },
        `${this.key}${String(info.method ?? '')}${String(info.url ?? '')}-`,
      );
    }
  };
}
