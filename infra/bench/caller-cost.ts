import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  createCallerFactory,
  createContextFactory,
  createLogger,
  DomainError,
  guestProcedure,
  publicProcedure,
  router,
} from '@zjmall/platform';
import { machineLine } from './harness';

/**
 * What calling a procedure through tRPC's `createCaller` costs the BFF's fast path, in CPU per call,
 * in-process (no HTTP, no database): a number that the machine's other work moves far less than
 * req/s.
 *
 *   npx tsx infra/bench/caller-cost.ts [--calls 20000] [--rounds 8]
 *
 *   ping    `createCaller(ctx).health.ping()`: a public procedure (the base middleware only)
 *   guest   `createCaller(ctx).cart.get()`: a guest procedure with an optional input, the shape of
 *           cart.get (base middleware, the auth middleware, the input parser)
 *   plain   the guest call's work without tRPC: the auth check, the zod parse and the handler as
 *           one async function (the floor a procedure runner could reach)
 *
 * A new caller per call, as the fast path makes one per request; 64 calls in flight. The first
 * round warms up; the table shows the median of the others.
 */

const { values: flags } = parseArgs({
  options: { calls: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '8' } },
});
const CALLS = Number(flags.calls);
const ROUNDS = Number(flags.rounds);
const IN_FLIGHT = 64;

const CartGetInput = z.object({ n: z.number() }).optional();
const appRouter = router({
  cart: router({ get: guestProcedure.input(CartGetInput).query(({ ctx }) => ({ kind: ctx.caller.kind })) }),
  health: router({ ping: publicProcedure.query(() => ({ pong: true })) }),
});
const makeCtx = createContextFactory({
  authenticate: async () => ({ ok: true, auth: { kind: 'guest', guestId: 'g1' } }),
  log: createLogger('silent'),
});
const callerOf = createCallerFactory(appRouter);
const newCtx = () => makeCtx({ requestId: 'r1', ip: '127.0.0.1', authorization: 'Bearer t' });

const targets: Record<string, () => Promise<unknown>> = {
  ping: () => callerOf(newCtx()).health.ping(),
  guest: () => callerOf(newCtx()).cart.get(undefined),
  plain: async () => {
    const ctx = newCtx();
    const auth = await ctx.auth();
    if (!auth.ok) throw new DomainError('UNAUTHENTICATED', 'Sign in');
    CartGetInput.parse(undefined);
    return { kind: auth.auth.kind };
  },
};

async function cpuPerCall(run: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < CALLS; i += IN_FLIGHT) await Promise.all(Array.from({ length: IN_FLIGHT }, run));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / CALLS;
}

const samples: Record<string, number[]> = {};
const names = Object.keys(targets);
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order, so a slow moment of the machine does not always land on the same target.
  for (const name of round % 2 ? [...names].reverse() : names) {
    const us = await cpuPerCall(targets[name]);
    if (round > 0) (samples[name] ??= []).push(us);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(machineLine());
console.log(`${CALLS} calls per round, ${IN_FLIGHT} in flight, ${ROUNDS - 1} measured rounds (after one warm-up)\n`);
console.log('target  CPU µs/call (median)  rounds');
for (const name of names) {
  const xs = samples[name];
  console.log(`${name.padEnd(7)} ${median(xs).toFixed(2).padStart(20)}  ${xs.map((x) => x.toFixed(1)).join(' ')}`);
}
