import { describe, expect, it } from 'vitest';
import { Stamp, TtlMap } from './ttl-map';

describe('TtlMap', () => {
  it('expires entries, evicts the oldest write beyond max, and a rewrite makes a key newest', () => {
    const m = new TtlMap<number>(3);
    const now = Date.now();
    m.set('a', 1, 1000);
    m.set('b', 2, 1000);
    m.set('c', 3, 10);
    expect(m.get('a', now)).toBe(1);
    expect(m.get('c', now + 20)).toBeUndefined();
    m.set('c', 3, 1000);
    expect(m.size).toBe(3);
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

  it('a stamp stays valid until one of its entries is replaced, deleted, evicted or expires', () => {
    const m = new TtlMap<number>(3);
    m.set('a', 1, 1000);
    m.set('b', 2, 50);
    const stamp = () => new Stamp([m.entry('a')!, m.entry('b')!]);
    const s1 = stamp();
    expect(s1.valid()).toBe(true);
    expect(s1.valid(Date.now() + 100)).toBe(false); // b expires
    m.set('a', 1, 1000); // same value, new entry
    expect(s1.valid()).toBe(false);
    const s2 = stamp();
    m.delete('b');
    expect(s2.valid()).toBe(false);
    m.set('b', 2, 1000);
    const s3 = stamp();
    m.set('c', 3, 1000);
    m.set('d', 4, 1000); // evicts a (oldest write)
    expect(s3.valid()).toBe(false);
    const s4 = new Stamp([m.entry('c')!]);
    m.clear();
    expect(s4.valid()).toBe(false);
    expect(new Stamp([]).valid()).toBe(true);
    expect(Stamp.both(s4, null)).toBeNull();
  });

  it('a lapsed entry written again with the same raw text is revived: same object, stamps hold', () => {
    const m = new TtlMap<{ v: number }>(10);
    const first = m.set('k', { v: 1 }, 20, '[1,{"v":1}]');
    const stamp = new Stamp([m.entry('k')!]);
    expect(stamp.valid(Date.now() + 50)).toBe(false); // lapsed
    expect(m.set('k', { v: 1 }, 1000, '[1,{"v":1}]')).toBe(first);
    expect(m.get('k')).toBe(first);
    expect(stamp.valid()).toBe(true);
    // Other text (a new write in Redis): a new entry, the old one dead.
    const second = m.set('k', { v: 2 }, 1000, '[2,{"v":2}]');
    expect(second).not.toBe(first);
    expect(stamp.valid()).toBe(false);
    // Without raw text (a local write) never revived.
    const s2 = new Stamp([m.entry('k')!]);
    m.set('k', { v: 2 }, 1000);
    expect(s2.valid()).toBe(false);
  });
});
