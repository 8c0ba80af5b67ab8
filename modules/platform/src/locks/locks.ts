import type { Redis } from 'ioredis';
import { ExecutionError, Redlock, ResourceLockedError, type Lock } from '@sesamecare-oss/redlock';
import { createLogger, type Logger } from '../logger';
import { locksWithoutRedis } from '../metrics';
import { asRedisHealth, type RedisHealth } from '../redis/redis-health';
import type { LockOptions, Locks } from './types';
import { KeyedMutex, LockTimeoutError } from './keyed-mutex';

export { LockTimeoutError } from './keyed-mutex';

const DEFAULT_TTL_MS = 5_000;
const DEFAULT_WAIT_MS = 10_000;
// Acquisition retries back off exponentially with full jitter: the first retries are quick
// (a typical critical section is a few ms), a long wait polls Redis only ~20 times a second.
const RETRY_BASE_MS = 2;
const RETRY_CAP_MS = 50;
// After a failed extension that did not lose the lock (a Redis hiccup), try again this soon.
const EXTEND_RETRY_MS = 50;

interface Holder {
  readonly controller: AbortController;
  timer: NodeJS.Timeout | undefined;
  /** Set when `fn` settled or the Locks were closed: no more extensions. */
  done: boolean;
}

export interface LocksOptions {
  /**
   * The Redlock servers: one, or an odd number of independent ones (REDLOCK_URLS) so that a lock
   * needs a majority of them and survives one of them dying. null: locks inside the process only.
   */
  redis: Redis | RedisHealth | readonly (Redis | RedisHealth)[] | null;
  prefix: string;
  log?: Logger;
}

/**
 * Locks over Redis (Redlock, keys `${prefix}lock:${key}`, on one server or a quorum of several) or, without Redis, inside
 * the process. In both modes callers of one process first queue on an in-process FIFO per key, so
 * a process has at most one contender per key polling Redis and its own callers are served in order.
 *
 * The signal given to `fn` aborts (with `signal.reason` an Error) when the lock can no longer be
 * guaranteed: an extension found it taken by someone else or it expired first, or `close()` ran.
 * `fn` decides what to do; the result it returns is still returned, because its work may already
 * be committed — correctness must rest on a fence in the data (e.g. a conditional UPDATE), the lock
 * only keeps contenders from colliding. In-process locks never expire, so `ttlMs` does not apply.
 *
 * Redis is optional at run time. When no majority of the Redlock servers is reachable (their
 * circuit breakers open, or an acquisition failed for want of answers rather than because the key
 * was held), `fn` runs under the in-process lock alone: callers across processes may then overlap,
 * and PostgreSQL (row locks and the conditional UPDATE fence) is what keeps the data right — the
 * same guarantee a lost lock already relies on. Counted in zjmall_locks_without_redis_total.
 */
export function createLocks(opts: LocksOptions): Locks {
  const local = new KeyedMutex();
  const active = new Set<Holder>();
  const log = opts.log ?? createLogger('silent');
  const list = opts.redis === null ? [] : Array.isArray(opts.redis) ? opts.redis : [opts.redis as Redis | RedisHealth];
  const servers = list.map((r, i) => asRedisHealth(r, list.length === 1 ? 'main' : `redlock-${i + 1}`, log));
  const byClient = new Map<unknown, RedisHealth>(servers.map((h) => [h.client, h]));
  const quorum = Math.floor(servers.length / 2) + 1;
  // Retries are ours (deadline-based); Redlock's own count-based loop would overshoot waitMs.
  const redlock = servers.length
    ? new Redlock(
        servers.map((h) => h.client),
        { retryCount: 0 },
      )
    : null;
  const quorumAvailable = () => servers.filter((h) => h.available()).length >= quorum;

  /** True when `e` failed for want of reachable servers (their breakers are told), not because a key was held. */
  async function unreachable(e: ExecutionError): Promise<boolean> {
    const last = e.attempts[e.attempts.length - 1];
    if (!last) return false;
    const stats = await last;
    let down = 0;
    for (const [client, err] of stats.votesAgainst) {
      if (err instanceof ResourceLockedError) continue;
      down++;
      byClient.get(client)?.failed(err);
    }
    return down > servers.length - quorum;
  }
  const closedError = () => new Error('Locks are closed');
  let closed = false;

  async function acquireRedis(
    rl: Redlock,
    keys: string[],
    ttlMs: number,
    deadline: number,
    waitMs: number,
  ): Promise<Lock | null> {
    const resources = keys.map((k) => `${opts.prefix}lock:${k}`);
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      if (closed) throw closedError();
      if (!quorumAvailable()) return null;
      try {
        // One script call takes every key or none, so overlapping key sets cannot deadlock.
        return await rl.acquire(resources, ttlMs);
      } catch (e) {
        if (!(e instanceof ExecutionError)) throw e;
        if (await unreachable(e)) return null;
        lastError = e;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new LockTimeoutError(keys, waitMs, { cause: lastError });
      const cap = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(attempt, 10));
      await sleep(Math.min(left, 1 + Math.random() * cap));
    }
  }

  /** Keeps `lock` alive while `holder` runs: extends at half the remaining time, aborts when lost. */
  function keepAlive(lock: Lock, ttlMs: number, holder: Holder, keys: string[]): { current(): Lock } {
    let current = lock;
    const schedule = (delay: number) => {
      if (holder.done) return;
      holder.timer = setTimeout(extend, delay);
      holder.timer.unref();
    };
    const extend = async () => {
      holder.timer = undefined;
      try {
        current = await current.extend(ttlMs);
        schedule(Math.max(0, (current.expiration - Date.now()) / 2));
      } catch (e) {
        if (holder.done) return;
        if (!(await takenByOther(e)) && current.expiration - Date.now() > EXTEND_RETRY_MS) {
          schedule(EXTEND_RETRY_MS);
          return;
        }
        holder.done = true;
        holder.controller.abort(new Error(`Lost the lock on ${keys.join(', ')}: ${errorMessage(e)}`, { cause: e }));
      }
    };
    schedule(Math.max(0, (current.expiration - Date.now()) / 2));
    return { current: () => current };
  }

  return {
    mode: redlock ? 'redis' : 'in-process',

    async withLocks<T>(keys: string[], fn: (signal: AbortSignal) => Promise<T>, o: LockOptions = {}): Promise<T> {
      if (closed) throw closedError();
      const sorted = keys.length > 1 ? [...new Set(keys)].sort() : keys;
      const ttlMs = Math.max(1, Math.ceil(o.ttlMs ?? DEFAULT_TTL_MS));
      const waitMs = Math.max(0, o.waitMs ?? DEFAULT_WAIT_MS);
      const deadline = Date.now() + waitMs;

      await local.acquireAll(sorted, deadline, waitMs);
      const holder: Holder = { controller: new AbortController(), timer: undefined, done: false };
      active.add(holder);
      try {
        if (!redlock || sorted.length === 0) return await fn(holder.controller.signal);
        const lock = await acquireRedis(redlock, sorted, ttlMs, deadline, waitMs);
        if (!lock) {
          locksWithoutRedis.inc();
          return await fn(holder.controller.signal);
        }
        const alive = keepAlive(lock, ttlMs, holder, sorted);
        try {
          return await fn(holder.controller.signal);
        } finally {
          holder.done = true;
          clearTimeout(holder.timer);
          // A failed release is harmless: the keys expire after ttlMs anyway.
          await alive
            .current()
            .release()
            .catch(() => {});
        }
      } finally {
        holder.done = true;
        active.delete(holder);
        local.releaseAll(sorted);
      }
    },

    async close() {
      closed = true;
      local.close(closedError());
      // Running holders keep their keys until `fn` settles (their release still runs), but their
      // locks are no longer extended, so they are told to stop.
      for (const h of active) {
        if (h.done) continue;
        h.done = true;
        clearTimeout(h.timer);
        h.controller.abort(new Error('Locks closed while the lock was held'));
      }
    },
  };
}

/** True when an extension failed because the key now holds another owner's value. */
async function takenByOther(e: unknown): Promise<boolean> {
  if (!(e instanceof ExecutionError)) return false;
  for (const attempt of e.attempts) {
    const stats = await attempt;
    for (const err of stats.votesAgainst.values()) if (err instanceof ResourceLockedError) return true;
  }
  return false;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
