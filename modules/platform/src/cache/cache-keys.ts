/**
 * `prefix + id`, the same string object every time for the same id.
 *
 * A cache key built by concatenation is a new (cons) string on every read: the in-memory store's
 * Map must hash it before it can look it up, which made the ~40 lookups of a cached cart read cost
 * as much as the rest of the read. A remembered key keeps its hash (V8 stores it in the string).
 * Ids read from cached objects are themselves the same strings each time, so finding their key
 * is a lookup of an already-hashed string. Bounded: past `max` ids the memo starts over.
 */
export function memoKeys(prefix: string, max = 100_000): (id: string) => string {
  let keys = new Map<string, string>();
  return (id) => {
    let k = keys.get(id);
    if (k === undefined) {
      if (keys.size >= max) keys = new Map();
      k = `${prefix}${id}`;
      keys.set(id, k);
    }
    return k;
  };
}
