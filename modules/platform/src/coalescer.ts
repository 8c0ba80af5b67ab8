/**
 * Per-key request queues inside one process, drained in batches. Requests wait in their key's
 * queue, in arrival order; a batch takes whole queues (oldest first) of keys that are not already
 * in a batch in flight, up to `maxBatch` requests, so a key is in at most one batch at a time and
 * its requests are decided in arrival order. One hot key fills a batch on its own; many quiet keys
 * share one. Up to `maxInFlight` batches run at once. The first request of an idle moment waits
 * one turn of the event loop, so the requests of that turn join it.
 *
 * `run` answers each request of a batch separately (one may fail while the others succeed); if
 * `run` itself throws, every request of that batch gets the error.
 *
 * With `perKey`, a batch takes at most that many requests of one key (the rest wait for the next
 * batch of that key, still in order): for callers whose batch plan is simplest with one request
 * per key (cart adds: one per cart).
 */
export interface Coalescer<Req, Res> {
  submit(key: string, req: Req): Promise<Res>;
  /** Requests queued or in flight (for tests and metrics). */
  readonly pending: number;
}

export type Settled<Res> = { ok: true; result: Res } | { ok: false; error: unknown };

interface Waiting<Req, Res> {
  key: string;
  req: Req;
  resolve(v: Res): void;
  reject(e: unknown): void;
}

export function createCoalescer<Req, Res>(opts: {
  maxBatch: number;
  maxInFlight: number;
  /** At most this many requests of one key per batch (default: the whole queue). */
  perKey?: number;
  /** The batch's distinct keys (in the order first seen) and its requests, in key order then arrival order. */
  run(keys: string[], batch: Req[]): Promise<Settled<Res>[]>;
}): Coalescer<Req, Res> {
  const queues = new Map<string, Waiting<Req, Res>[]>();
  const busy = new Set<string>();
  let inFlight = 0;
  let pending = 0;
  let scheduled = false;

  function take(): Waiting<Req, Res>[] {
    const batch: Waiting<Req, Res>[] = [];
    for (const [key, queue] of queues) {
      if (busy.has(key)) continue;
      const n = Math.min(queue.length, opts.maxBatch - batch.length, opts.perKey ?? Infinity);
      batch.push(...queue.splice(0, n));
      if (queue.length === 0) queues.delete(key);
      busy.add(key);
      if (batch.length >= opts.maxBatch) break;
    }
    return batch;
  }

  function pump() {
    scheduled = false;
    while (inFlight < opts.maxInFlight) {
      const batch = take();
      if (batch.length === 0) return;
      inFlight++;
      void execute(batch);
    }
  }

  async function execute(batch: Waiting<Req, Res>[]) {
    const keys = [...new Set(batch.map((w) => w.key))];
    try {
      const outcomes = await opts.run(
        keys,
        batch.map((w) => w.req),
      );
      batch.forEach((w, i) => {
        const o = outcomes[i];
        if (o.ok) w.resolve(o.result);
        else w.reject(o.error);
      });
    } catch (e) {
      for (const w of batch) w.reject(e);
    } finally {
      pending -= batch.length;
      for (const k of keys) busy.delete(k);
      inFlight--;
      schedule();
    }
  }

  function schedule() {
    if (scheduled || queues.size === 0) return;
    scheduled = true;
    setImmediate(pump);
  }

  return {
    submit(key, req) {
      return new Promise<Res>((resolve, reject) => {
        pending++;
        const queue = queues.get(key);
        if (queue) queue.push({ key, req, resolve, reject });
        else queues.set(key, [{ key, req, resolve, reject }]);
        schedule();
      });
    },
    get pending() {
      return pending;
    },
  };
}
