import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createLogger } from '../logger';
import { DomainError } from '../errors';
import { LockTimeoutError } from '../locks/keyed-mutex';
import { callFailure } from '../testing/errors';
import { createContextFactory } from './context';
import { FieldError } from './field-error';
import type { AuthResult } from './context';
import { adminProcedure, createCallerFactory, guestProcedure, publicProcedure, router, userProcedure } from './init';

const appRouter = router({
  short: publicProcedure.query(() => {
    throw new DomainError('INSUFFICIENT_STOCK', 'Not enough stock', { skuId: 's1', available: 2 });
  }),
  busy: publicProcedure.mutation(() => {
    throw new LockTimeoutError(['sku:s1'], 10_000);
  }),
  taken: publicProcedure.mutation(() => {
    throw new FieldError('CONFLICT', ['skus', 0, 'code'], 'SKU code A-1 is already used by another SKU');
  }),
  broken: publicProcedure.query(() => {
    throw new Error('secret internals: password=hunter2');
  }),
  nested: publicProcedure
    .input(z.object({ skus: z.array(z.object({ price: z.number().int().min(0) })) }))
    .mutation(() => 1),
  // Throws at its first read, after the procedure has returned its stream (as an ownership check does).
  watch: publicProcedure.subscription(async function* () {
    yield 1;
    throw new DomainError('ORDER_NOT_FOUND', 'Order not found');
  }),
});
const log = createLogger('silent');
const caller = createCallerFactory(appRouter)(
  createContextFactory({ authenticate: async () => ({ ok: false, reason: 'invalid' }), log })({
    requestId: 'req-1',
    ip: '127.0.0.1',
  }),
);

describe('the one error path of every procedure', () => {
  it('answers a DomainError with its tRPC code, appCode and details', async () => {
    const e = await callFailure(caller.short());
    expect(e.code).toBe('CONFLICT');
    expect(e.data).toMatchObject({
      appCode: 'INSUFFICIENT_STOCK',
      details: { skuId: 's1', available: 2 },
      httpStatus: 409,
    });
  });

  it('answers a lock that stayed busy as a retryable BUSY (503), never a 500', async () => {
    const e = await callFailure(caller.busy());
    expect(e.code).toBe('SERVICE_UNAVAILABLE');
    expect(e.data).toMatchObject({ appCode: 'BUSY', httpStatus: 503 });
    expect(e.message).not.toContain('sku:s1');
  });

  it('hides an unexpected error behind INTERNAL_SERVER_ERROR', async () => {
    const e = await callFailure(caller.broken());
    expect(e.code).toBe('INTERNAL_SERVER_ERROR');
    expect(e.message).toBe('Internal server error');
    expect(JSON.stringify(e)).not.toContain('hunter2');
    expect(e.data.stack).toBeUndefined();
  });

  it('maps a DomainError thrown by a running subscription as a query’s (NOT_FOUND with its appCode)', async () => {
    const seen: unknown[] = [];
    const read = async () => {
      for await (const v of await caller.watch()) seen.push(v);
    };
    const e = await callFailure(read());
    expect(seen).toEqual([1]);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.data).toMatchObject({ appCode: 'ORDER_NOT_FOUND', httpStatus: 404 });
  });

  it('names nested fields of a bad input', async () => {
    const e = await callFailure(caller.nested({ skus: [{ price: 1 }, { price: -5 }] }));
    expect(e.code).toBe('BAD_REQUEST');
    expect(Object.keys(e.data.zodError?.fieldErrors ?? {})).toEqual(['skus.1.price']);
    expect(e.message).toContain('skus.1.price');
  });

  it('answers a FieldError like a schema error on that field, with no appCode, from the base procedure alone', async () => {
    const e = await callFailure(caller.taken());
    expect(e.code).toBe('CONFLICT');
    expect(e.data).toMatchObject({
      httpStatus: 409,
      zodError: { fieldErrors: { 'skus.0.code': [expect.any(String)] } },
    });
    expect(e.data.appCode).toBeUndefined();
  });
});

describe('the access check in the one middleware of each base procedure', () => {
  const gated = router({
    guest: guestProcedure.query(({ ctx }) => ctx.caller),
    user: userProcedure.query(({ ctx }) => ctx.user),
    admin: adminProcedure.query(({ ctx }) => ({ user: ctx.user, requestId: ctx.requestId })),
  });
  const as = (result: AuthResult) =>
    createCallerFactory(gated)(
      createContextFactory({ authenticate: async () => result, log })({
        requestId: 'req-2',
        ip: '127.0.0.1',
        authorization: 'Bearer t',
      }),
    );
  const guest = as({ ok: true, auth: { kind: 'guest', guestId: 'g1' } });
  const customer = as({ ok: true, auth: { kind: 'user', userId: 'u1', role: 'customer' } });
  const admin = as({ ok: true, auth: { kind: 'user', userId: 'a1', role: 'admin' } });
  // No bearer token at all: the context answers `missing` without asking authenticate.
  const anonymous = createCallerFactory(gated)(
    createContextFactory({ authenticate: async () => ({ ok: true, auth: { kind: 'guest', guestId: 'g' } }), log })({
      requestId: 'req-3',
      ip: '127.0.0.1',
    }),
  );

  it('hands the procedure who is calling, with the rest of the context', async () => {
    expect(await guest.guest()).toEqual({ kind: 'guest', guestId: 'g1' });
    expect(await customer.guest()).toEqual({ kind: 'user', userId: 'u1', role: 'customer' });
    expect(await customer.user()).toEqual({ id: 'u1', role: 'customer' });
    expect(await admin.admin()).toEqual({ user: { id: 'a1', role: 'admin' }, requestId: 'req-2' });
  });

  it('refuses with the appCode of the refusal', async () => {
    const cases: [Promise<unknown>, string, string][] = [
      [anonymous.guest(), 'UNAUTHORIZED', 'UNAUTHENTICATED'],
      [as({ ok: false, reason: 'revoked' }).guest(), 'UNAUTHORIZED', 'UNAUTHENTICATED'],
      [as({ ok: false, reason: 'disabled' }).user(), 'FORBIDDEN', 'ACCOUNT_DISABLED'],
      [guest.user(), 'UNAUTHORIZED', 'UNAUTHENTICATED'],
      [guest.admin(), 'UNAUTHORIZED', 'UNAUTHENTICATED'],
      [customer.admin(), 'FORBIDDEN', 'FORBIDDEN'],
    ];
    for (const [call, code, appCode] of cases) {
      const e = await callFailure(call);
      expect({ code: e.code, appCode: e.data.appCode }).toEqual({ code, appCode });
    }
  });
});

describe("callFailure (platform/testing) shapes an error as tRPC's own HTTP handler answers it", () => {
  // The handler tRPC documents for fetch-style servers: the router's formatter on the real wire.
  const overHttp = async (path: string, method: 'GET' | 'POST', input?: unknown) => {
    const url = new URL(`http://test/trpc/${path}`);
    if (method === 'GET' && input !== undefined) url.searchParams.set('input', JSON.stringify(input));
    const res = await fetchRequestHandler({
      endpoint: '/trpc',
      router: appRouter,
      req: new Request(url, {
        method,
        ...(method === 'POST'
          ? { body: JSON.stringify(input ?? null), headers: { 'content-type': 'application/json' } }
          : {}),
      }),
      createContext: () =>
        createContextFactory({ authenticate: async () => ({ ok: false, reason: 'invalid' }), log })({
          requestId: 'req-1',
          ip: '127.0.0.1',
        }),
    });
    return ((await res.json()) as { error: { message: string; code: number; data: Record<string, unknown> } }).error;
  };

  it.each([
    ['short', 'GET', () => caller.short(), undefined],
    ['broken', 'GET', () => caller.broken(), undefined],
    ['busy', 'POST', () => caller.busy(), undefined],
    ['taken', 'POST', () => caller.taken(), undefined],
    ['nested', 'POST', () => caller.nested({ skus: [{ price: -5 }] }), { skus: [{ price: -5 }] }],
  ] as const)('%s', async (path, method, call, input) => {
    const caught = await callFailure(call());
    const wire = await overHttp(path, method, input);
    // The wire adds the procedure's path and a 500's request id (callFailure knows neither); the rest is the same.
    const { path: wirePath, requestId, ...wireData } = wire.data;
    expect(wirePath).toBe(path);
    expect(requestId).toBe(path === 'broken' ? 'req-1' : undefined);
    expect({ message: caught.message, data: caught.data }).toEqual({ message: wire.message, data: wireData });
  });
});
