import { describe, expect, it } from 'vitest';
import { isSharedResult, resultJson, sharedResult } from './shared-result';

describe('sharedResult', () => {
  it('freezes what the result owns, is serialised like JSON.stringify, once', () => {
    const inner = { deep: { x: 1 } };
    const v = sharedResult({ a: 1, list: [{ b: 'é"\n', c: null, d: undefined, inner }] });
    expect(isSharedResult(v)).toBe(true);
    expect(Object.isFrozen(v) && Object.isFrozen(v.list) && Object.isFrozen(v.list[0])).toBe(true);
    // Depth 2 by default: objects further down (e.g. another cache's entries) are left alone.
    expect(Object.isFrozen(inner)).toBe(false);
    const s = resultJson(v);
    expect(s).toBe(JSON.stringify(v));
    expect(resultJson(v)).toBe(s);
    // Not marked: serialised every time, never remembered.
    const plain = { a: 1 };
    expect(isSharedResult(plain)).toBe(false);
    expect(resultJson(plain)).toBe('{"a":1}');
    plain.a = 2;
    expect(resultJson(plain)).toBe('{"a":2}');
  });
});
