import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { evaluateChunk } from '../rules/evaluate';
import { chunkBuffers, type Program, type SkuChunk } from '../rules/program';

/**
 * Below this many SKU-rule evaluations a batch is evaluated inline: handing it to the pool costs
 * more than it saves. Measured by infra/bench/reprice.ts on the 2-core machine (see README).
 */
export const DEFAULT_INLINE_THRESHOLD = 400_000;

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

/** Rows `from` … `to`−1 of a chunk: copied (`slice`) or as views of the same buffers (`subarray`). */
function cutChunk(c: SkuChunk, from: number, to: number, how: 'slice' | 'subarray'): SkuChunk {
  const w = c.attrs.length / Math.max(1, c.length);
  return {
    length: to - from,
    price: c.price[how](from, to),
    cost: c.cost[how](from, to),
    cat: c.cat[how](from, to),
    brand: c.brand[how](from, to),
    listed: c.listed[how](from, to),
    attrs: c.attrs[how](from * w, to * w),
  };
}

/** Rows `from` … `to`−1 of a chunk, as a chunk of its own (fresh buffers, so it can be transferred). */
export const sliceChunk = (c: SkuChunk, from: number, to: number): SkuChunk => cutChunk(c, from, to, 'slice');

/** Rows `from` … `to`−1 as views of the same buffers (no copy): for evaluation on this thread. */
const viewChunk = (c: SkuChunk, from: number, to: number): SkuChunk => cutChunk(c, from, to, 'subarray');

/**
 * One batch, split into one part per pool thread when it is worth it (length × rules ≥
 * threshold); inline otherwise, or without a pool. This thread evaluates the first part itself
 * (in place of waiting idle: no copy, no transfer, no wake-up for that part) while workers take the
 * others, so a 2-thread pool uses one worker and this thread: ≈ 30 % less latency than two workers
 * on the 2-core machine, and the pool wins from ≈ 4× smaller batches (README, "Evaluation").
 */
export async function evaluate(
  program: Program,
  chunk: SkuChunk,
  pool: PricingPool | null,
  threshold = DEFAULT_INLINE_THRESHOLD,
): Promise<Float64Array> {
  if (!pool || chunk.length * Math.max(1, program.rules) < threshold) return evaluateInline(program, chunk);
  const parts = Math.min(pool.threads, chunk.length);
  // A one-thread pool keeps the whole batch off this thread (on one core, that keeps it responsive).
  if (parts <= 1) return pool.run(program, sliceChunk(chunk, 0, chunk.length));
  const size = Math.ceil(chunk.length / parts);
  // The workers' parts are sent first, so they run while this thread evaluates its own.
  const remote = Array.from({ length: parts - 1 }, (_, k) => {
    const from = (k + 1) * size;
    return pool.run(program, sliceChunk(chunk, from, Math.min(chunk.length, from + size)));
  });
  const out = new Float64Array(chunk.length);
  evaluateChunk(program, viewChunk(chunk, 0, Math.min(size, chunk.length)), out.subarray(0, size));
  const results = await Promise.all(remote);
  results.forEach((r, k) => out.set(r, (k + 1) * size));
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
