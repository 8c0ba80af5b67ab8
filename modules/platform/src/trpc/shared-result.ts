/**
 * Results that may be answered many times as they are (a cached cart view read by the same
 * customer again and again): the object is frozen, so nobody can change it after it was
 * serialised, and the HTTP layer keeps its JSON beside it, so an unchanged result costs no
 * second `JSON.stringify` (on a 20-line cart that is most of a cached read's CPU).
 *
 * The memo lives as long as the object (a WeakMap), and the object as long as whoever built it
 * keeps it (e.g. a WeakMap on the cache entry it was computed from).
 */
const shared = new WeakSet<object>();
const json = new WeakMap<object, string>();

/**
 * Freezes `value` and the plain objects and arrays it owns, down to `depth` levels, and marks it
 * shareable. Objects deeper down (e.g. another cache's entries) are not frozen: the caller must
 * not mutate them either.
 */
export function sharedResult<T extends object>(value: T, depth = 2): T {
  freeze(value, depth);
  shared.add(value);
  return value;
}

function freeze(value: unknown, depth: number): void {
  if (depth < 0 || value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Array.isArray(value) ? value : Object.values(value)) freeze(v, depth - 1);
}

export function isSharedResult(value: unknown): value is object {
  return value !== null && typeof value === 'object' && shared.has(value);
}

/** `JSON.stringify(value)` of a result marked by `sharedResult`, serialised once. */
export function resultJson(value: object): string {
  if (!shared.has(value)) return JSON.stringify(value);
  let s = json.get(value);
  if (s === undefined) {
    s = JSON.stringify(value);
    json.set(value, s);
  }
  return s;
}
