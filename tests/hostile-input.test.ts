import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeChars } from '@zjmall/contracts';
import { createAppRouter } from '@zjmall/api';
import { listProcedures } from '@zjmall/bff';
import { startTestBff, type TestBff } from './support/bff';
import { walkZod } from './support/zod-walk';

describe('hostile input', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'hostile', jobs: false });
  });
  afterAll(() => bff?.close());

  it('every input string of every procedure carries the shared check (NUL and lone surrogates refused)', () => {
    const bare: string[] = [];
    for (const p of listProcedures(createAppRouter(bff.services))) {
      for (const input of p.inputs) {
        walkZod(input, (node, path) => {
          const def = node._zod.def as unknown as { type: string; checks?: unknown[] };
          if (def.type === 'string' && !def.checks?.includes(safeChars)) bare.push(`${p.path}: ${path || '(input)'}`);
          if (def.type === 'any' || def.type === 'unknown') bare.push(`${p.path}: ${path || '(input)'} is ${def.type}`);
        });
      }
    }
    expect(bare).toEqual([]);
  });
});
