import { getErrorShape, type AnyTRPCRouter, type TRPCError, type TRPCErrorShape } from '@trpc/server';
import { defaultTransformer } from '@trpc/server/unstable-core-do-not-import';
import type { ProcedureMeta } from '@zjmall/platform';

/**
 * The one file that reads tRPC's built router beyond its documented surface.
 *
 * tRPC 11 documents calling procedures (`createCaller`) and formatting errors (`getErrorShape`),
 * but no way to list a router's procedures with their parsers, to see its transformer or to get
 * the config `getErrorShape` takes. The built router carries them in `_def` (`procedures`: the flat
 * path → procedure map; a procedure's `type`, `inputs`, `output` and `meta`; `_config`:
 * transformer, path separator, error formatter), which tRPC's own adapters read. The API reference
 * and the fast wire path read them here and nowhere else; router-internals.test.ts pins each read
 * and fast-path.test.ts compares the fast path's answers with the stock adapter's, so a tRPC
 * upgrade that moves these fields fails there. Procedures themselves are never called from here.
 */

export type ProcedureType = 'query' | 'mutation' | 'subscription';

export interface ProcedureInfo {
  path: string;
  type: ProcedureType;
  /** The `.input()` parsers, in order (empty: the procedure takes no input). */
  inputs: unknown[];
  /** The `.output()` parser, if any. */
  output: unknown;
  meta: ProcedureMeta;
}

/** Every procedure of the router (lazy routers not loaded yet are not listed), sorted by path. */
export function listProcedures(router: AnyTRPCRouter): ProcedureInfo[] {
  const procedures: Record<string, { _def: object & { type: ProcedureType; meta?: unknown } }> = router._def.procedures;
  return Object.entries(procedures)
    .map(([path, procedure]) => {
      const def = procedure._def;
      const inputs = 'inputs' in def && Array.isArray(def.inputs) ? (def.inputs as unknown[]) : [];
      const output = 'output' in def ? def.output : undefined;
      return { path, type: def.type, inputs, output, meta: (def.meta ?? {}) as ProcedureMeta };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Why the fast wire path cannot answer for this router (null: it can). It writes tRPC's JSON
 * envelope itself, so anything that changes the wire format turns it off, loudly (startup log).
 */
export function fastPathBlocker(router: AnyTRPCRouter): string | null {
  const config = router._def._config;
  if (config.transformer !== defaultTransformer) return 'a data transformer is configured';
  if (config.pathSeparator !== '.') return `a path separator other than "." is configured`;
  return null;
}

export interface ErrorShapeInput {
  error: TRPCError;
  ctx: unknown;
  path: string | undefined;
  type: ProcedureType | 'unknown';
  input: unknown;
}

/** The router's error formatter as tRPC's adapters apply it (`getErrorShape` with the router's config). */
export function errorShaper(router: AnyTRPCRouter): (opts: ErrorShapeInput) => TRPCErrorShape {
  const config = router._def._config;
  return ({ error, ctx, path, type, input }) => getErrorShape({ config, error, ctx, path, type, input });
}
