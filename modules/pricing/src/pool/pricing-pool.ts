import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { evaluateChunk } from '../rules/evaluate';
import { chunkBuffers, type Program, type SkuChunk } from '../rules/program';

/**
 * Below this many SKU-rule evaluations a batch is evaluated inline. Decided by the event loop, not
 * by throughput: on the pool this thread still slices the batch, posts it and copies the prices
 * back (≈ 0.2–0.4 ms a 1,000-SKU batch on the 2-core machine), and inline evaluation costs about that
 * at ≈ 20,000 evaluations (≈ 15 ns each); above, inline would hold requests up longer than the
 * hand-off does (a 1,000 × 200 batch ≈ 3 ms inline). Measured by infra/bench/pool-load.ts, part 1.
 */
export const DEFAULT_INLINE_THRESHOLD = 20_000;

export interface PricingPool {
  readonly threads: number;
  /** Evaluates one chunk on a worker; the chunk's buffers are transferred (unusable afterwards). */
  run(program: Program, chunk: SkuChunk): Promise<Float64Array>;
  /** Evaluates several chunks as ONE task on one worker (one message each way); buffers transferred. */
  runMany(program: Program, chunks: SkuChunk[]): Promise<Float64Array[]>;
  close(): Promise<void>;
}

/**
 * `threads`: default one per core. `minThreads`: threads kept alive when idle (default 0: a process
 * that runs no job holds no worker; the first batch on the pool pays ≈ 0.3 s to start them).
 */
export function createPricingPool(opts: { threads?: number; minThreads?: number } = {}): PricingPool {
  const threads = opts.threads ?? Math.max(1, availableParallelism());
  // The .mjs entry registers tsx in the worker, so the TypeScript task loads under vitest, tsx and
  // `node apps/bff/bin/start.mjs` alike.
  const pool = new Piscina({
    filename: new URL('./evaluate.worker.mjs', import.meta.url).href,
    minThreads: Math.min(threads, opts.minThreads ?? 0),
    maxThreads: threads,
    idleTimeout: 60_000,
  });
  const runMany = (program: Program, chunks: SkuChunk[]) =>
    pool.run({ program, chunks }, { transferList: chunks.flatMap(chunkBuffers) }) as Promise<Float64Array[]>;
  return {
    threads,
    run: async (program, chunk) => (await runMany(program, [chunk]))[0],
    runMany,
    close: () => pool.destroy(),
  };
}

export function evaluateInline(program: Program, chunk: SkuChunk): Float64Array {
  const out = new Float64Array(chunk.length);
  evaluateChunk(program, chunk, out);
  return out;
}

/** Rows `from` … `to`−1 of a chunk, as a chunk of its own (fresh buffers, so it can be transferred). */
export function sliceChunk(c: SkuChunk, from: number, to: number): SkuChunk {
  const w = c.attrs.length / Math.max(1, c.length);
  return {
    length: to - from,
    price: c.price.slice(from, to),
    cost: c.cost.slice(from, to),
    cat: c.cat.slice(from, to),
    brand: c.brand.slice(from, to),
    listed: c.listed.slice(from, to),
    attrs: c.attrs.slice(from * w, to * w),
  };
}

/**
 * One batch (a price job's): on the pool when it is big enough to hold up this thread (length ×
 * rules ≥ threshold), split into one part per pool thread, every part on a worker — this thread
 * only slices, posts and copies back, so the event loop keeps serving requests while a job runs
 * (infra/bench/pool-load.ts). Inline otherwise, or without a pool.
 */
export async function evaluate(
  program: Program,
  chunk: SkuChunk,
  pool: PricingPool | null,
  threshold = DEFAULT_INLINE_THRESHOLD,
): Promise<Float64Array> {
  if (!pool || chunk.length * Math.max(1, program.rules) < threshold) return evaluateInline(program, chunk);
  const parts = Math.max(1, Math.min(pool.threads, chunk.length));
  const size = Math.ceil(chunk.length / parts);
  const results = await Promise.all(
    Array.from({ length: parts }, (_, k) =>
      pool.run(program, sliceChunk(chunk, k * size, Math.min(chunk.length, (k + 1) * size))),
    ),
  );
  const out = new Float64Array(chunk.length);
  results.forEach((r, k) => out.set(r, k * size));
  return out;
}

/**
 * Many chunks (a whole catalog) on the pool: ONE task per thread, each a contiguous run of chunks
 * of about the same number of SKUs, so the per-task cost (messages, wake-ups, the program's clone)
 * is paid `threads` times, not once per chunk. This thread stays free (it serves requests in the
 * BFF). The chunks' buffers are transferred; the result is one price array per chunk, in order.
 */
export async function evaluateMany(program: Program, chunks: SkuChunk[], pool: PricingPool): Promise<Float64Array[]> {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const groups: SkuChunk[][] = [];
  let group: SkuChunk[] = [];
  let done = 0;
  for (const c of chunks) {
    group.push(c);
    done += c.length;
    // close the group once it reaches its share of the SKUs (the last group takes what is left)
    if (done >= (total * (groups.length + 1)) / pool.threads && groups.length < pool.threads - 1) {
      groups.push(group);
      group = [];
    }
  }
  if (group.length) groups.push(group);
  return (await Promise.all(groups.map((g) => pool.runMany(program, g)))).flat();
}
