/** Raised when a lock could not be taken within `waitMs`; callers may answer "busy, retry". */
export class LockTimeoutError extends Error {
  constructor(
    readonly keys: readonly string[],
    readonly waitMs: number,
    options?: { cause?: unknown },
  ) {
    super(`Could not acquire lock on ${keys.join(', ')} within ${waitMs} ms`, options);
    this.name = 'LockTimeoutError';
  }
}

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout | undefined;
  reject(e: Error): void;
}

/**
 * FIFO mutex per key, inside one process. A key present in `queues` is held; its array holds the
 * waiters in arrival order, and release hands the key straight to the first of them (no barging).
 * Several keys are taken one by one in sorted order, so two callers can never wait on each other.
 */
export class KeyedMutex {
  private readonly queues = new Map<string, Waiter[]>();
  private closedWith: Error | undefined;

  /** Takes every key of `sortedKeys` (sorted, distinct) or none, giving up at `deadline` (Date.now() ms). */
  async acquireAll(sortedKeys: readonly string[], deadline: number, waitMs: number): Promise<void> {
    for (let i = 0; i < sortedKeys.length; i++) {
      try {
        await this.acquire(sortedKeys[i], deadline);
      } catch (e) {
        for (let j = 0; j < i; j++) this.release(sortedKeys[j]);
        throw e instanceof LockTimeoutError ? new LockTimeoutError(sortedKeys, waitMs) : e;
      }
    }
  }

  releaseAll(keys: readonly string[]): void {
    for (const k of keys) this.release(k);
  }

  /** Rejects every waiter; later acquisitions fail too. Held keys stay with their holders until released. */
  close(reason: Error): void {
    this.closedWith = reason;
    for (const q of this.queues.values()) {
      for (const w of q.splice(0)) {
        clearTimeout(w.timer);
        w.reject(reason);
      }
    }
  }

  /** Returns nothing when the key is free, so the uncontended path allocates no promise of its own. */
  private acquire(key: string, deadline: number): Promise<void> | void {
    if (this.closedWith) throw this.closedWith;
    const q = this.queues.get(key);
    if (!q) {
      this.queues.set(key, []);
      return;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new LockTimeoutError([key], 0);
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { grant: resolve, reject, timer: undefined };
      w.timer = setTimeout(() => {
        const i = q.indexOf(w);
        if (i >= 0) q.splice(i, 1);
        reject(new LockTimeoutError([key], left));
      }, left);
      q.push(w);
    });
  }

  private release(key: string): void {
    const q = this.queues.get(key);
    if (!q) return;
    const next = q.shift();
    if (!next) {
      this.queues.delete(key);
      return;
    }
    clearTimeout(next.timer);
    next.grant();
  }
}
