import { Redis } from 'ioredis';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Config } from './config';
import { createDb, type Db } from './db/sequelize';
import type { Logger } from './logger';
import type { Bus } from './bus/types';
import { createInProcessBus } from './bus/in-process-bus';
import { createJetStreamBus } from './bus/jetstream-bus';
import type { Outbox, Relay } from './outbox/types';
import { createOutbox } from './outbox/outbox';
import { createRelay } from './outbox/relay';
import type { Locks } from './locks/types';
import { createLocks } from './locks/locks';
import type { Cache } from './cache/types';
import { createCache } from './cache/cache';
import { createRedisHealth, RESILIENT_REDIS_OPTIONS, type RedisHealth } from './redis/redis-health';

/** A single dial's deadline (TCP connect to the server's first PONG). */
const NATS_DIAL_TIMEOUT_MS = 5_000;
/** Delay before the `attempt`-th dial of a process that started with NATS away: 250 ms doubling to 5 s. */
export function natsDialDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** Math.max(0, attempt - 1), 5_000);
}

/** Everything a module's service may depend on; built once per process. */
export interface Platform {
  config: Config;
  log: Logger;
  db: Db;
  dbUrl: string;
  redis: Redis | null;
  /** REDIS_URL's circuit breaker: callers that use `redis` directly ask it first (null without Redis). */
  redisHealth: RedisHealth | null;
  /** The NATS connection once made (null without NATS_URL, and while a process that started with NATS away has not reached it yet). */
  readonly nats: NatsConnection | null;
  bus: Bus;
  outbox: Outbox;
  relay: Relay;
  locks: Locks;
  cache: Cache;
  /** Checks PostgreSQL, and Redis/NATS when configured (see `Readiness`). */
  ready(): Promise<Readiness>;
  close(): Promise<void>;
}

/**
 * What `/ready` answers. Only PostgreSQL decides `ok`: the shop cannot serve without it. Redis or
 * NATS unreachable, or a durable consumer of this process not registered yet (it is retried until
 * it is), is listed in `degraded` while `ok` stays true: every replica shares those servers, so
 * taking the replicas out of rotation would not help, and the outbox keeps the events meanwhile.
 */
export interface Readiness {
  ok: boolean;
  /** Each configured dependency: reachable within 2 s. */
  checks: { database: boolean; redis?: boolean; nats?: boolean };
  degraded: ('redis' | 'nats')[];
  /** Durable consumers (handler names) of this process not registered yet. */
  pendingConsumers: string[];
}

/** Builds the runtime for a config whose DATABASE_URL is resolved (apps/bff resolves the embedded one). */
export async function createPlatform(
  config: Config & { DATABASE_URL: string },
  log: Logger,
  appName = 'zjmall',
): Promise<Platform> {
  const db = createDb({
    url: config.DATABASE_URL,
    poolMax: config.DB_POOL_MAX,
    applicationName: appName,
  });
  let redis: Redis | null = null;
  let redisHealth: RedisHealth | null = null;
  const redlockServers: RedisHealth[] = [];
  let nats = null as NatsConnection | null;
  /** Set by close(): stops the background dialing of a process that started with NATS away. */
  let closing = false;
  let wakeDialer: () => void = () => {};
  let firstNats: Promise<NatsConnection> | null = null;
  // Redis is optional at run time, also at startup: a server not reachable yet is connected to in
  // the background (its breaker stays open meanwhile) and the process starts degraded.
  const connectRedis = async (url: string, server: string): Promise<RedisHealth> => {
    // No enableAutoPipelining: under load (Redlock's scripts among cache reads) ioredis 5's
    // auto-pipeline callback threw `results[i] is not iterable` outside any promise, which killed
    // the process (redis/ioredis#1931). Multi-key reads use explicit mget/pipelines instead.
    const client = new Redis(url, { ...RESILIENT_REDIS_OPTIONS, connectionName: appName });
    const health = createRedisHealth(client, server, log);
    await client.connect().catch((err: unknown) => {
      health.failed(err);
      log.warn({ err, server }, 'Redis unreachable at startup: starting degraded, reconnecting in the background');
    });
    return health;
  };
  try {
    await db.authenticate();
    if (config.REDIS_URL) {
      redisHealth = await connectRedis(config.REDIS_URL, 'main');
      redis = redisHealth.client;
      if (config.REDLOCK_URLS.length > 0) {
        for (const [i, url] of config.REDLOCK_URLS.entries())
          redlockServers.push(await connectRedis(url, `redlock-${i + 1}`));
      }
    }
    if (config.NATS_URL) {
      // noAsyncTraces: nats.js otherwise builds an Error (a stack capture) for every request (its
      // context) and every request's timer, i.e. twice per JetStream publish the relay makes. A
      // failure still carries its message and code. (It still builds one more on every answered
      // request — `cancel()` rejects the settled promise with a fresh RequestError — which no
      // option turns off.) Once connected, nats.js reconnects by itself for ever.
      const natsUrl = config.NATS_URL;
      const dial = () =>
        connect({
          servers: natsUrl,
          name: appName,
          maxReconnectAttempts: -1,
          noAsyncTraces: true,
          timeout: NATS_DIAL_TIMEOUT_MS,
        });
      try {
        nats = await dial();
      } catch (err) {
        // NATS is optional at run time, also at startup: the process serves while it dials in the
        // background (backoff), and the bus catches up once connected (jetstream-bus.ts). Our own
        // loop rather than nats.js's `waitOnFirstConnect`, whose connect() cannot be abandoned
        // when the process stops before NATS comes.
        log.warn({ err }, 'NATS unreachable at startup: starting degraded, connecting in the background');
        firstNats = (async () => {
          for (let attempt = 1; ; attempt++) {
            let timer: NodeJS.Timeout | undefined;
            await new Promise<void>((r) => {
              wakeDialer = r;
              timer = setTimeout(r, natsDialDelayMs(attempt));
            });
            clearTimeout(timer);
            if (closing) throw new Error('closed before NATS was reached');
            try {
              const nc = await dial();
              if (closing) {
                await nc.close().catch(() => {});
                throw new Error('closed before NATS was reached');
              }
              nats = nc;
              log.info({ attempt }, 'NATS reached');
              return nc;
            } catch (e) {
              if (closing) throw e;
              if (attempt === 1 || attempt % 10 === 0)
                log.warn({ err: e, attempt }, 'NATS still unreachable; retrying');
            }
          }
        })();
        firstNats.catch(() => {});
      }
    }
  } catch (e) {
    await db.close().catch(() => {});
    redisHealth?.close();
    redis?.disconnect();
    for (const h of redlockServers) h.client.disconnect();
    await nats?.close().catch(() => {});
    throw e;
  }
  const natsLink = nats ?? firstNats;
  const bus = natsLink
    ? await createJetStreamBus({
        nc: natsLink,
        db,
        log,
        prefix: config.NATS_SUBJECT_PREFIX,
        stream: config.NATS_STREAM,
      })
    : createInProcessBus({ db, log });
  const outbox = createOutbox();
  const relay = createRelay({ db, dbUrl: config.DATABASE_URL, bus, log });
  const locks = createLocks({
    redis: redlockServers.length ? redlockServers : redisHealth,
    prefix: config.REDIS_KEY_PREFIX,
    log,
  });
  const cache = createCache({ redis: redisHealth, bus, prefix: config.REDIS_KEY_PREFIX, log });

  const check = async (fn: () => Promise<unknown>) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([fn(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('timeout')), 2000)))]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    config,
    log,
    db,
    dbUrl: config.DATABASE_URL,
    redis,
    redisHealth,
    get nats() {
      return nats;
    },
    bus,
    outbox,
    relay,
    locks,
    cache,
    async ready() {
      const [database, redisUp, natsUp] = await Promise.all([
        check(() => db.query('SELECT 1')),
        // The breaker's view: open means requests skip Redis now, whatever a fresh PING would say.
        redisHealth ? check(async () => redisHealth!.guard((r) => r.ping())) : undefined,
        config.NATS_URL
          ? check(async () => {
              if (!(await bus.healthy())) throw new Error('nats down');
            })
          : undefined,
      ]);
      const checks: Readiness['checks'] = { database };
      if (redisUp !== undefined) checks.redis = redisUp;
      if (natsUp !== undefined) checks.nats = natsUp;
      const pendingConsumers = bus.pendingDurables();
      const degraded: Readiness['degraded'] = [];
      if (redisUp === false) degraded.push('redis');
      if (natsUp === false || pendingConsumers.length > 0) degraded.push('nats');
      return { ok: database, checks, degraded, pendingConsumers };
    },
    async close() {
      closing = true;
      wakeDialer();
      await firstNats?.catch(() => {});
      await relay.stop().catch((e) => log.warn({ err: e }, 'relay stop failed'));
      await cache.close().catch(() => {});
      await locks.close().catch(() => {});
      await bus.close().catch(() => {});
      if (nats) await nats.drain().catch(() => {});
      for (const h of [redisHealth, ...redlockServers]) {
        if (!h) continue;
        h.close();
        await h.client.quit().catch(() => h.client.disconnect());
      }
      await db.close().catch(() => {});
    },
  };
}
