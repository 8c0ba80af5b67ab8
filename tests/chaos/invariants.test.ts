import { describe, expect, it } from 'vitest';
import { compareStreamWithOutbox, type StreamIds } from './invariants';

const stream = (...ids: string[]): StreamIds => {
  const m: StreamIds = new Map();
  for (const id of ids) {
    const known = m.get(id);
    if (known) known.count++;
    else m.set(id, { count: 1, described: `#? ${id}` });
  }
  return m;
};
const rows = (...ids: string[]) => ids.map((id) => ({ id, published: true }));

describe('chaos invariant: outbox = stream, once each', () => {
  it('holds when every published row is one message', () => {
    const r = compareStreamWithOutbox(rows('a', 'b'), stream('a', 'b'), rows('a', 'b'));
    expect(r).toMatchObject({ ok: true, settled: true });
    expect(r.detail).toBe('2 rows, 2 messages; 0 missing, 0 twice, 0 unknown');
  });

  it('takes a message whose row was written after the first read (the sweeper cancelling orders meanwhile)', () => {
    const r = compareStreamWithOutbox(rows('a', 'b'), stream('a', 'b', 'c', 'd'), rows('a', 'b', 'c', 'd'));
    expect(r).toMatchObject({ ok: true, settled: true });
    expect(r.detail).toContain('2 rows written while the check ran');
  });

  it('fails on a message with no row (a phantom event), naming it', () => {
    const r = compareStreamWithOutbox(rows('a'), stream('a', 'ghost'), rows('a'));
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('1 unknown; unknown: #? ghost');
  });

  it('fails on a published row the stream lacks, and on an id stored twice', () => {
    expect(compareStreamWithOutbox(rows('a', 'b'), stream('a'), rows('a', 'b'))).toMatchObject({ ok: false });
    expect(compareStreamWithOutbox(rows('a'), stream('a', 'a'), rows('a'))).toMatchObject({ ok: false });
  });

  it('waits for rows not yet published instead of calling them missing', () => {
    const before = [...rows('a'), { id: 'b', published: false }];
    const r = compareStreamWithOutbox(before, stream('a'), rows('a', 'b'));
    expect(r).toMatchObject({ ok: true, settled: false });
    expect(r.detail).toContain('1 rows not yet published');
  });
});
