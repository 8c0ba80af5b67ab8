import { describe, expect, it } from 'vitest';
import { TRPCError, type AnyTRPCProcedure, type AnyTRPCRouter } from '@trpc/server';
import { createContextFactory, createLogger, type AuthResult } from '@zjmall/platform';
import { testRouter } from './fast-path.fixture';
import { invokeProcedure, runsOwnChain } from './invoke';

/** invokeProcedure must be indistinguishable from calling the procedure (tRPC's own chain runner). */

const flat: AnyTRPCRouter = testRouter;
const procedures: Record<string, AnyTRPCProcedure> = flat._def.procedures;
const user: AuthResult = { ok: true, auth: { kind: 'user', userId: 'u7', role: 'admin' } };
const makeCtx = createContextFactory({ authenticate: async () => user, log: createLogger('silent') });

async function outcome(run: () => Promise<unknown>) {
  try {
    return { ok: true, data: await run() };
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    return { ok: false, code: e.code, message: e.message, cause: String(e.cause) };
  }
}

const calls: [path: string, input: unknown, token?: string][] = [
  ['health.ping', undefined],
  ['echo', { text: 'hi', nested: { qty: 3, tags: [] } }],
  ['echo', { text: '' }],
  ['echo', 'not an object'],
  ['maybe', undefined],
  ['add', { a: 1, b: 2 }],
  ['reserve', { skuId: 's' }],
  ['boom', undefined],
  ['badOutput', undefined],
  ['me', undefined],
  ['me', undefined, 'token'],
];

describe('invokeProcedure', () => {
  it('runs the chain itself for the platform procedures', () => {
    for (const path of ['health.ping', 'echo', 'add', 'me', 'badOutput'])
      expect(runsOwnChain(procedures[path])).toBe(true);
  });

  it.each(calls)('%s(%j) as the procedure itself would', async (path, input, token) => {
    const proc = procedures[path];
    const opts = () => ({
      path,
      type: proc._def.type,
      ctx: makeCtx({ requestId: 'r1', ip: '127.0.0.1', authorization: token ? `Bearer ${token}` : undefined }),
      getRawInput: async () => input,
      signal: undefined,
      batchIndex: 0,
    });
    const ours = await outcome(() => invokeProcedure(proc, opts()));
    const theirs = await outcome(() => proc(opts()));
    expect(ours).toEqual(theirs);
  });
});
