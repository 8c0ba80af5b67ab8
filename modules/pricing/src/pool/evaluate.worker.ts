// The piscina task: pure evaluation of one chunk; the new prices' buffer is transferred back.
import { Piscina } from 'piscina';
import { evaluateChunk } from '../rules/evaluate';
import type { Program, SkuChunk } from '../rules/program';

export interface EvaluateTask {
  program: Program;
  chunk: SkuChunk;
}

export default function evaluate({ program, chunk }: EvaluateTask) {
  const prices = new Float64Array(chunk.length);
  evaluateChunk(program, chunk, prices);
  return Piscina.move(prices);
}
