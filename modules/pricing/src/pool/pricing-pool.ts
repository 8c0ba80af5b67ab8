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
  return {
    threads,
    run: (program, chunk) => pool.run({ program, chunk }, { transferList: chunkBuffers(chunk) }) as Promise<Float64Array>,
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
 * Evaluates a chunk on the pool, split into one part per thread, when it is worth it
 * (length × rules ≥ threshold); inline otherwise, or without a pool.
 */
export async function evaluate(
  program: Program,
  chunk: SkuChunk,
  pool: PricingPool | null,
  threshold = DEFAULT_INLINE_THRESHOLD,
): Promise<Float64Array> {
  if (!pool || chunk.length * Math.max(1, program.rules) < threshold) return evaluateInline(program, chunk);
  const parts = Math.min(pool.threads, chunk.length);
  const size = Math.ceil(chunk.length / parts);
  const results = await Promise.all(
    Array.from({ length: parts }, (_, k) => pool.run(program, sliceChunk(chunk, k * size, Math.min(chunk.length, (k + 1) * size)))),
  );
  const out = new Float64Array(chunk.length);
  results.forEach((r, k) => out.set(r, k * size));
  return out;
}
