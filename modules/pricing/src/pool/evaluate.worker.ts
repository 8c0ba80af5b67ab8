// The piscina task: pure evaluation of one or more chunks. Each chunk's new prices are written over
// its own `price` array (evaluateChunk reads a row's price before writing it), which goes back by
// transfer: no allocation and no copy on the way out.
import { Piscina, transferableSymbol, valueSymbol } from 'piscina';
import { evaluateChunk } from '../rules/evaluate';
import type { Program, SkuChunk } from '../rules/program';

export interface EvaluateTask {
  program: Program;
  chunks: SkuChunk[];
}

export default function evaluate({ program, chunks }: EvaluateTask) {
  const prices = chunks.map((chunk) => {
    evaluateChunk(program, chunk, chunk.price);
    return chunk.price;
  });
  // Piscina.move marks it movable: the listed buffers are transferred, the value is what run() resolves to.
  return Piscina.move({ [transferableSymbol]: prices.map((p) => p.buffer), [valueSymbol]: prices });
}
