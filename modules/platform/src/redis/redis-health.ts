import { Redis, ReplyError } from 'ioredis';
import type { Logger } from '../logger';
import { redisBreakerTrips, redisUp } from '../metrics';

/** Thrown at once, without touching the network, while a Redis server is considered down. */
export class RedisUnavailableError extends Error {
  constructor(readonly server: string) {
    super(`Redis (${server}) is unavailable`);
    this.name = 'RedisUnavailableError';
  }
}

/**
 * ioredis options under which no caller ever waits long for Redis: a command fails after
 * `commandTimeout` instead of waiting without end, a command sent while disconnected fails at once
 * (no offline queue), a command caught by a disconnection is retried once at most, and the client
 * reconnects by itself (100 ms doubling to 2 s) for as long as it lives.
 */
export const RESILIENT_REDIS_OPTIONS = {
  lazyConnect: true,
  enableOfflineQueue: false,
  commandTimeout: 500,
  connectTimeout: 1_000,
  maxRetriesPerRequest: 1,
  retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
} as const;

const PROBE_FIRST_MS = 250;
const PROBE_MAX_MS = 2_000;
const LOG_EVERY_MS = 5_000;

export interface RedisHealth {
  /** The name in logs and in the `server` label of the metrics (`main`, `redlock-1`…). */
  readonly server: string;
  readonly client: Redis;
  /** False while the breaker is open: callers skip Redis instead of waiting for it. */
  available(): boolean;
  /**
   * Runs `fn` (commands on `client`) unless the breaker is open (then RedisUnavailableError at once).
   * A failure that is not Redis answering with an error (a timeout, a closed connection) opens it.
   */
  guard<T>(fn: (client: Redis) => Promise<T>): Promise<T>;
  /** Reports a failure of a command sent without `guard` (e.g. by a library holding the client). */
  failed(err: unknown): void;
  /** Called each time the breaker closes again after having been open. */
  onRecover(handler: () => void): () => void;
  close(): void;
}

/** True for the errors that say nothing about the connection: Redis itself answered with an error. */
export function isReplyError(err: unknown): boolean {
  return err instanceof ReplyError;
}

/**
 * A circuit breaker over one ioredis client. It opens on the first connection-level failure (or when
 * the client reports its connection closed) and then probes with PING, 250 ms doubling to 2 s, and
 * closes on the first answer. While open, `guard` fails at once, so a request pays nothing for a
 * Redis that is away (ioredis alone would still spend `commandTimeout` on a server that hangs).
 */
export function createRedisHealth(client: Redis, server: string, log: Logger): RedisHealth {
  let open = false;
  let closed = false;
  let probeTimer: NodeJS.Timeout | undefined;
  let probeDelay = PROBE_FIRST_MS;
  let lastLog = 0;
  const recoverHandlers = new Set<() => void>();
  redisUp.set({ server }, 1);

  const trip = (err: unknown) => {
    if (closed) return;
    if (!open) {
      open = true;
      redisUp.set({ server }, 0);
      redisBreakerTrips.inc({ server });
      log.warn({ err, server }, 'Redis unavailable: skipping it until it answers again');
      probeDelay = PROBE_FIRST_MS;
      scheduleProbe();
    }
  };

  const scheduleProbe = () => {
    if (closed || probeTimer) return;
    probeTimer = setTimeout(probe, probeDelay);
    probeTimer.unref();
  };

  const probe = async () => {
    probeTimer = undefined;
    if (closed || !open) return;
    try {
      if (client.status !== 'ready') throw new Error(`connection ${client.status}`);
      await client.ping();
    } catch (err) {
      probeDelay = Math.min(PROBE_MAX_MS, probeDelay * 2);
      const now = Date.now();
      if (now - lastLog >= LOG_EVERY_MS) {
        lastLog = now;
        log.warn({ err: errorMessage(err), server }, 'Redis still unavailable');
      }
      scheduleProbe();
      return;
    }
    open = false;
    redisUp.set({ server }, 1);
    log.info({ server }, 'Redis is back');
    for (const h of recoverHandlers) {
      try {
        h();
      } catch (err) {
        log.error({ err }, 'Redis recovery handler failed');
      }
    }
  };

  // Without an 'error' listener ioredis prints "Unhandled error event" for every failed reconnection.
  const onError = (err: Error) => {
    const now = Date.now();
    if (now - lastLog >= LOG_EVERY_MS) {
      lastLog = now;
      log.warn({ err: err.message, server }, 'Redis connection error');
    }
  };
  const onClose = () => trip(new Error('connection closed'));
  const onReady = () => {
    if (!open) return;
    clearTimeout(probeTimer);
    probeTimer = undefined;
    probeDelay = PROBE_FIRST_MS;
    void probe();
  };
  client.on('error', onError);
  client.on('close', onClose);
  client.on('ready', onReady);

  return {
    server,
    client,
    available: () => !open && !closed,
    async guard<T>(fn: (c: Redis) => Promise<T>): Promise<T> {
      if (open || closed) throw new RedisUnavailableError(server);
      try {
        return await fn(client);
      } catch (err) {
        if (!isReplyError(err)) trip(err);
        throw err;
      }
    },
    failed(err: unknown) {
      if (!isReplyError(err)) trip(err);
    },
    onRecover(handler) {
      recoverHandlers.add(handler);
      return () => recoverHandlers.delete(handler);
    },
    close() {
      closed = true;
      clearTimeout(probeTimer);
      client.off('close', onClose);
      client.off('ready', onReady);
      // The error listener stays: a client being disconnected may still emit one.
      void onError;
    },
  };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A breaker for `r` unless it is one already (tests and fixtures hand over bare clients). */
export function asRedisHealth(r: Redis | RedisHealth, server: string, log: Logger): RedisHealth {
  return r instanceof Redis ? createRedisHealth(r, server, log) : r;
}
