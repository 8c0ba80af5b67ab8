import { describe, expect, it } from 'vitest';
import { TtlMap } from './ttl-map';

describe('TtlMap', () => {
  it('expires entries, evicts the oldest write beyond max, and a rewrite makes a key newest', () => {
    const m = new TtlMap<number>(3);
    const now = Date.now();
    m.set('a', 1, 1000);
    m.set('b', 2, 1000);
    m.set('c', 3, 10);
    expect(m.get('a', now)).toBe(1);
    expect(m.get('c', now + 20)).toBeUndefined();
    expect(m.size).toBe(2);
    m.set('c', 3, 1000);
    m.set('a', 10, 1000); // rewritten: now the newest
    m.set('d', 4, 1000); // over max: the oldest write (b) goes
    expect(m.get('b')).toBeUndefined();
    expect([m.get('a'), m.get('c'), m.get('d')]).toEqual([10, 3, 4]);
    m.delete('a');
    expect(m.get('a')).toBeUndefined();
    m.clear();
    expect(m.size).toBe(0);
  });

  it('with touchOnGet a read makes the entry newest (least recently used goes first)', () => {
    const m = new TtlMap<number>(2, true);
    m.set('a', 1, 1000);
    m.set('b', 2, 1000);
    expect(m.get('a')).toBe(1);
    m.set('c', 3, 1000);
    expect([m.get('a'), m.get('b'), m.get('c')]).toEqual([1, undefined, 3]);
  });
});
