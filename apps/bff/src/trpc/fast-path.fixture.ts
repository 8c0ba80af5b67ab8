import { z } from 'zod';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  DomainError,
  createContextFactory,
  createLogger,
  publicProcedure,
  router,
  userProcedure,
  type AuthResult,
} from '@zjmall/platform';
import { registerTrpc, type TrpcErrorEvent, type TrpcRouteStats } from './fast-path';

/**
 * Fixture of the differential tests: a router made of the platform's own procedures, covering
 * every branch the fast path must answer exactly as the stock adapter does.
 */
export const EchoInput = z.object({
  text: z.string().min(1).max(20),
  nested: z.object({ qty: z.number().int().min(1).max(999), tags: z.array(z.string()).max(3) }).optional(),
});

export const testRouter = router({
  health: router({ ping: publicProcedure.query(() => ({ pong: true as const })) }),
  echo: publicProcedure.input(EchoInput).query(({ input }) => input),
  noInput: publicProcedure.query(() => 'no-input'),
  maybe: publicProcedure.input(z.object({ n: z.number() }).optional()).query(({ input }) => input ?? null),
  nothing: publicProcedure.query(() => undefined),
  add: publicProcedure
    .input(z.object({ a: z.number(), b: z.number() }))
    .mutation(({ input }) => ({ sum: input.a + input.b })),
  touch: publicProcedure.mutation(() => 'touched'),
  reserve: publicProcedure.input(z.object({ skuId: z.string() })).mutation(({ input }) => {
    throw new DomainError('INSUFFICIENT_STOCK', 'Not enough stock', { skuId: input.skuId });
  }),
  boom: publicProcedure.query(() => {
    throw new Error('secret internals: password=hunter2');
  }),
  /** Breaks its own output schema: INTERNAL_SERVER_ERROR "Output validation failed". */
  badOutput: publicProcedure
    .output(z.object({ n: z.number() }))
    .query(() => ({ n: 'not a number' }) as unknown as { n: number }),
  /** Not JSON-serialisable: the whole response fails, as in the stock adapter. */
  bigint: publicProcedure.query(() => ({ n: 1n })),
  /** A stream-like result in a non-streaming request. */
  later: publicProcedure.query(() => ({ v: Promise.resolve(1) })),
  me: userProcedure.query(({ ctx }) => ({ id: ctx.user.id, role: ctx.user.role })),
  ticks: publicProcedure.input(z.object({ n: z.number().int().min(0).max(5) })).subscription(async function* ({
    input,
  }) {
    for (let i = 0; i < input.n; i++) yield { i };
  }),
  myTicks: userProcedure.subscription(async function* ({ ctx }) {
    yield { user: ctx.user.id };
  }),
});

export type TestRouter = typeof testRouter;

const TOKENS: Record<string, AuthResult> = {
  'user-token': { ok: true, auth: { kind: 'user', userId: 'u1', role: 'customer' } },
  'guest-token': { ok: true, auth: { kind: 'guest', guestId: 'g1' } },
  expired: { ok: false, reason: 'expired' },
};

const createContext = createContextFactory({
  authenticate: async (token) => TOKENS[token] ?? { ok: false, reason: 'invalid' },
  log: createLogger('silent'),
});

export interface TestApp {
  app: FastifyInstance;
  stats: TrpcRouteStats;
  errors: TrpcErrorEvent[];
}

/** One app per path; request ids come from `x-request-id` so both apps shape 500s alike. */
export async function buildTestApp(fastPath: boolean): Promise<TestApp> {
  const app = Fastify({ genReqId: (req) => String(req.headers['x-request-id'] ?? 'anon') });
  const errors: TrpcErrorEvent[] = [];
  const stats = registerTrpc(app, {
    prefix: '/trpc',
    router: testRouter,
    fastPath,
    createContext: (req, _res, info) => {
      if (req.headers['x-fail-context'] !== undefined) throw new Error('context unavailable');
      return createContext({
        requestId: String(req.id),
        ip: req.ip,
        authorization: req.headers.authorization,
        connectionParams: info.connectionParams,
      });
    },
    onError: (e) => errors.push(e),
  });
  await app.ready();
  return { app, stats, errors };
}
