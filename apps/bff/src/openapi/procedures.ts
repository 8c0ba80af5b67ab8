import type { AnyTRPCProcedure, AnyTRPCRouter } from '@trpc/server';
import type { ProcedureMeta } from '@zjmall/platform';

/**
 * The one place that reads a router's procedures, for the API reference.
 *
 * tRPC 11 documents no way to list a router's procedures with their parsers; the built router and
 * procedures carry them in `_def` (`procedures`: the flat path → procedure map; a procedure's
 * `type`, `inputs` (one entry per `.input()`), `output` and `meta`), which tRPC's own adapters
 * read. That gap is wrapped here, and procedures.test.ts pins the behaviour on a small router, so
 * a tRPC upgrade that moves these fields fails there and nowhere else.
 */
export interface ProcedureInfo {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The `.input()` parsers, in order (empty: the procedure takes no input). */
  inputs: unknown[];
  /** The `.output()` parser, if any. */
  output: unknown;
  meta: ProcedureMeta;
}

export function listProcedures(router: AnyTRPCRouter): ProcedureInfo[] {
  const procedures: Record<string, AnyTRPCProcedure> = router._def.procedures;
  return Object.entries(procedures)
    .map(([path, procedure]) => {
      const def: object = procedure._def;
      const inputs = 'inputs' in def && Array.isArray(def.inputs) ? (def.inputs as unknown[]) : [];
      const output = 'output' in def ? def.output : undefined;
      return { path, type: procedure._def.type, inputs, output, meta: (procedure._def.meta ?? {}) as ProcedureMeta };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}
