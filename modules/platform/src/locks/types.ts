export interface LockOptions {
  /** How long a lock lives if its holder dies or stalls (ms). Default 5000. */
  ttlMs?: number;
  /** Give up acquiring after this long (ms). Default 10000. */
  waitMs?: number;
}

export interface Locks {
  readonly mode: 'redis' | 'in-process';
  /** Takes every key (sorted, deduplicated) before `fn`, releases them after, also when `fn` throws. */
  withLocks<T>(keys: string[], fn: (signal: AbortSignal) => Promise<T>, opts?: LockOptions): Promise<T>;
  close(): Promise<void>;
}
