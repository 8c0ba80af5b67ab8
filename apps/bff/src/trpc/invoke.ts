import { getTRPCErrorFromUnknown, TRPCError, type AnyTRPCProcedure } from '@trpc/server';
import type { ProcedureCallOptions } from '@trpc/server/unstable-core-do-not-import';

/**
 * Calls a procedure the way its own caller does, only cheaper.
 *
 * A built procedure runs its middleware chain with `callRecursive` (@trpc/server 11.25,
 * initTRPC.mjs), which copies the call options at every step with a transpiled object-spread
 * helper (defineProperty per key): measured in the BFF under load, a quarter of all CPU went to
 * that helper. This is the same loop with native spreads — same order, same options, same
 * `ctx`/`input`/`getRawInput` merging, same error wrapping. The version is pinned in package.json
 * and fast-path.test.ts compares every answer with the stock adapter's (which calls the
 * procedure itself), so a divergence fails there. Procedures whose shape is not the expected one
 * (an `experimental_caller`, no middleware list) are simply called.
 */

type CallOptions = ProcedureCallOptions<unknown>;

interface NextOptions {
  ctx?: unknown;
  input?: unknown;
  getRawInput?: CallOptions['getRawInput'];
}

type MiddlewareResult = { ok: true; data: unknown; marker?: string } | { ok: false; error: TRPCError; marker?: string };

type Middleware = (
  opts: CallOptions & { meta: unknown; next: (nextOpts?: NextOptions) => Promise<MiddlewareResult> },
) => Promise<MiddlewareResult>;

interface Chain {
  middlewares: Middleware[];
  meta: unknown;
}

// tRPC's marker on middleware results (middlewareMarker); kept so results look like its own.
const MARKER = 'middlewareMarker';
const chains = new WeakMap<AnyTRPCProcedure, Chain | null>();

function chainOf(procedure: AnyTRPCProcedure): Chain | null {
  let chain = chains.get(procedure);
  if (chain === undefined) {
    const def: object = procedure._def;
    const list: unknown = 'middlewares' in def ? def.middlewares : undefined;
    chain =
      !procedure._def.experimental_caller && Array.isArray(list) && list.every((m) => typeof m === 'function')
        ? { middlewares: list, meta: procedure._def.meta }
        : null;
    chains.set(procedure, chain);
  }
  return chain;
}

/** Whether `invokeProcedure` runs this procedure's chain itself (tests make sure it does). */
export function runsOwnChain(procedure: AnyTRPCProcedure): boolean {
  return chainOf(procedure) !== null;
}

export async function invokeProcedure(procedure: AnyTRPCProcedure, opts: CallOptions): Promise<unknown> {
  const chain = chainOf(procedure);
  if (chain === null) return procedure(opts);
  const result = await step(chain, 0, opts);
  if (!result) {
    throw new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'No result from middlewares - did you forget to `return next()`?',
    });
  }
  if (!result.ok) throw result.error;
  return result.data;
}

async function step(chain: Chain, index: number, opts: CallOptions): Promise<MiddlewareResult> {
  try {
    const middleware = chain.middlewares[index];
    return await middleware({
      ...opts,
      meta: chain.meta,
      input: opts.input,
      next(nextOpts?: NextOptions) {
        return step(chain, index + 1, {
          ...opts,
          ctx: nextOpts?.ctx ? { ...objectOrNothing(opts.ctx), ...objectOrNothing(nextOpts.ctx) } : opts.ctx,
          input: nextOpts && 'input' in nextOpts ? nextOpts.input : opts.input,
          getRawInput: nextOpts?.getRawInput ?? opts.getRawInput,
        });
      },
    });
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: MARKER };
  }
}

/** Contexts are objects; anything else contributes nothing to the merged context. */
function objectOrNothing(v: unknown): object | undefined {
  return typeof v === 'object' && v !== null ? v : undefined;
}
