/**
 * The cache's in-memory store: a Map of entries with an expiry, bounded by `max`, evicting the
 * least recently written entry — or, with `touchOnGet`, the least recently used (a read moves the
 * entry to the newest end: the whole store without Redis). It replaces lru-cache on the read path,
 * where a cart read makes ~40 lookups: a lookup here is one Map.get and one clock comparison
 * (lru-cache's get, with its options object, status and staleness bookkeeping, cost ≈ 0.3 µs, a
 * tenth of a cached cart read's CPU). With Redis the entries live ≤ 2 s, so write order is as good
 * as use order and reads stay one Map.get.
 *
 * Entries are objects: one that is replaced, deleted or evicted is marked `dead`. A reader that
 * keeps the entries it read (a `Stamp`) can later tell, without looking the keys up again, whether a
 * new lookup would give the very same values. An expired entry stays until it is overwritten: when
 * the write brings the same `raw` text (the same Redis entry read again after the in-memory copy
 * lapsed), the entry is revived — same object, new expiry — so readers' stamps and whatever they
 * built from the value stay good.
 */
export interface TtlEntry<V> {
  readonly value: V;
  expiresAt: number;
  dead: boolean;
  /** The text the value was decoded from, when there is one (revival compares it). */
  readonly raw?: string;
}

export class TtlMap<V> {
  private readonly map = new Map<string, TtlEntry<V>>();

  constructor(
    private readonly max: number,
    private readonly touchOnGet = false,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    return this.entry(key, now)?.value;
  }

  /** The live entry of `key`, if any. */
  entry(key: string, now = Date.now()): TtlEntry<V> | undefined {
    const e = this.map.get(key);
    if (e === undefined || e.expiresAt <= now) return undefined;
    if (this.touchOnGet) {
      this.map.delete(key);
      this.map.set(key, e);
    }
    return e;
  }

  /** Stores `value` (or revives the entry holding the same `raw`); returns the value now stored. */
  set(key: string, value: V, ttlMs: number, raw?: string): V {
    const old = this.map.get(key);
    if (old !== undefined && raw !== undefined && old.raw === raw) {
      old.expiresAt = Date.now() + ttlMs;
      this.map.delete(key);
      this.map.set(key, old);
      return old.value;
    }
    if (old !== undefined) this.drop(key, old);
    // Inserted anew: the key moves to the newest end of the Map's order.
    this.map.set(key, { value, expiresAt: Date.now() + ttlMs, dead: false, raw });
    if (this.map.size > this.max) {
      // The oldest write goes (one per insertion, so a full map stays O(1) per set).
      const oldest = this.map.keys().next();
      if (!oldest.done) this.drop(oldest.value, this.map.get(oldest.value)!);
    }
    return value;
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (e !== undefined) this.drop(key, e);
  }

  clear(): void {
    for (const e of this.map.values()) e.dead = true;
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }

  private drop(key: string, e: TtlEntry<V>): void {
    e.dead = true;
    this.map.delete(key);
  }
}

/** Entries read together: still valid while none was replaced, deleted, evicted or expired. */
export class Stamp {
  constructor(private readonly entries: readonly TtlEntry<unknown>[]) {}

  valid(now = Date.now()): boolean {
    for (const e of this.entries) if (e.dead || e.expiresAt <= now) return false;
    return true;
  }

  /** Both stamps' entries (null when either is missing). */
  static both(a: Stamp | null, b: Stamp | null): Stamp | null {
    return a && b ? new Stamp([...a.entries, ...b.entries]) : null;
  }
}
