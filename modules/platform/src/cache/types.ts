import type { Stamp } from './ttl-map';

export interface Cache {
  readonly mode: 'redis' | 'memory';
  get<T>(key: string): Promise<T | undefined>;
  mget<T>(keys: string[]): Promise<(T | undefined)[]>;
  /**
   * mget, plus a stamp when every key was in this process's memory: `stamp.valid()` is true for as
   * long as a new mget of the same keys would answer the very same values (objects), so a result
   * built from them can be reused without reading them again.
   */
  mgetStamped<T>(keys: string[]): Promise<{ values: (T | undefined)[]; stamp: Stamp | null }>;
  set<T>(key: string, value: T, ttlSeconds: number): Promise<void>;
  mset<T>(entries: { key: string; value: T; ttlSeconds: number }[]): Promise<void>;
  /**
   * Stores values just read from the source of truth after a miss (read-through fill): nothing
   * changed, so unlike set/mset it tells no other process. Not for writes.
   */
  fill<T>(entries: { key: string; value: T; ttlSeconds: number }[]): Promise<void>;
  /** Deletes here and in the shared store, and tells every other process to drop its in-memory copy. */
  del(keys: string | string[]): Promise<void>;
  close(): Promise<void>;
}
