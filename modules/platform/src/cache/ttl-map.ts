/**
 * The cache's in-memory store: a Map of entries with an expiry, bounded by `max`, evicting the
 * least recently written entry — or, with `touchOnGet`, the least recently used (a read moves the
 * entry to the newest end: the whole store without Redis). It replaces lru-cache on the read path,
 * where a cart read makes ~40 lookups: a lookup here is one Map.get and one clock comparison
 * (lru-cache's get, with its options object, status and staleness bookkeeping, cost ≈ 0.3 µs, a
 * tenth of a cached cart read's CPU). With Redis the entries live ≤ 2 s, so write order is as good
 * as use order and reads stay one Map.get.
 */
export class TtlMap<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly max: number,
    private readonly touchOnGet = false,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now) {
      this.map.delete(key);
      return undefined;
    }
    if (this.touchOnGet) {
      this.map.delete(key);
      this.map.set(key, e);
    }
    return e.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    // Re-inserting moves the key to the newest end of the Map's order.
    this.map.delete(key);
    this.map.set(key, { value, expiresAt: Date.now() + ttlMs });
    if (this.map.size > this.max) {
      // The oldest write goes (one per insertion, so a full map stays O(1) per set).
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
