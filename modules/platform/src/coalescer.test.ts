import { describe, expect, it } from 'vitest';
import { createCoalescer } from './coalescer';

describe('coalescer', () => {
  it('batches what arrives together, one batch per key at a time, answering each request on its own', async () => {
    const batches: string[][] = [];
    const c = createCoalescer<string, string>({
      maxBatch: 10,
      maxInFlight: 1,
      async run(_keys, batch) {
        batches.push(batch);
        return batch.map((r) =>
          r.startsWith('bad') ? { ok: false, error: new Error(r) } : { ok: true, result: r.toUpperCase() },
        );
      },
    });
    const out = await Promise.allSettled([c.submit('a', 'a1'), c.submit('b', 'bad1'), c.submit('a', 'a2')]);
    expect(out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      'A1',
      'bad1',
      'A2',
    ]);
    expect(batches).toEqual([['a1', 'a2', 'bad1']]);
    expect(c.pending).toBe(0);
  });

  it('perKey takes at most that many requests of one key per batch, the rest follow in order', async () => {
    const batches: string[][] = [];
    const c = createCoalescer<string, string>({
      maxBatch: 10,
      maxInFlight: 2,
      perKey: 1,
      async run(_keys, batch) {
        batches.push(batch);
        await new Promise((r) => setTimeout(r, 5));
        return batch.map((r) => ({ ok: true, result: r }));
      },
    });
    await Promise.all(['x1', 'y1', 'x2', 'x3', 'y2'].map((r) => c.submit(r[0], r)));
    // x's requests never share a batch, and run in arrival order.
    for (const b of batches) expect(b.filter((r) => r.startsWith('x')).length).toBeLessThanOrEqual(1);
    expect(batches.flat().filter((r) => r.startsWith('x'))).toEqual(['x1', 'x2', 'x3']);
    expect(batches[0]).toEqual(['x1', 'y1']);
  });
});
