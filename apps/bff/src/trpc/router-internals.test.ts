import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { initTRPC, TRPCError } from '@trpc/server';
import {
  adminProcedure,
  DomainError,
  guestProcedure,
  publicProcedure,
  router,
  userProcedure,
  type Context,
} from '@zjmall/platform';
import { errorShaper, fastPathBlocker, listProcedures } from './router-internals';

/**
 * Pins what the adapter reads from tRPC's built routers (router-internals.ts): a tRPC upgrade that
 * moves the procedure map, a procedure's type, input/output parsers or meta, the transformer, the
 * path separator or the error formatter's config fails here.
 */
describe('listProcedures', () => {
  const A = z.object({ a: z.string() });
  const B = z.object({ b: z.number() });
  const Out = z.object({ ok: z.boolean() });
  const Unparsed = z.object({ n: z.number() });
  const r = router({
    z: router({ ping: publicProcedure.query(() => 'pong') }),
    shop: router({
      read: guestProcedure
        .input(A)
        .output(Out)
        .query(() => ({ ok: true })),
      write: userProcedure
        .input(A)
        .input(B)
        .mutation(() => null),
      watch: guestProcedure.meta({ output: Unparsed }).subscription(async function* () {
        yield { n: 1 };
      }),
      admin: router({ run: adminProcedure.output(Out).mutation(() => ({ ok: true })) }),
    }),
  });

  it('lists every procedure by its dotted path, sorted, with type, parsers and meta', () => {
    const list = listProcedures(r);
    expect(list.map((p) => [p.path, p.type])).toEqual([
      ['shop.admin.run', 'mutation'],
      ['shop.read', 'query'],
      ['shop.watch', 'subscription'],
      ['shop.write', 'mutation'],
      ['z.ping', 'query'],
    ]);
    const byPath = Object.fromEntries(list.map((p) => [p.path, p]));
    expect(byPath['shop.read'].inputs).toEqual([A]);
    expect(byPath['shop.read'].output).toBe(Out);
    expect(byPath['shop.write'].inputs).toEqual([A, B]);
    expect(byPath['shop.write'].output).toBeUndefined();
    expect(byPath['z.ping'].inputs).toEqual([]);
    expect(byPath['shop.watch'].meta.output).toBe(Unparsed);
  });

  it("carries each base procedure's access in its meta (admin overrides user)", () => {
    const access = Object.fromEntries(listProcedures(r).map((p) => [p.path, p.meta.access]));
    expect(access).toEqual({
      'z.ping': 'public',
      'shop.read': 'guest',
      'shop.write': 'user',
      'shop.watch': 'guest',
      'shop.admin.run': 'admin',
    });
  });
});

describe('fastPathBlocker', () => {
  it('lets a platform router through', () => {
    expect(fastPathBlocker(router({ ping: publicProcedure.query(() => 1) }))).toBeNull();
  });

  it('names a transformer and a path separator other than "."', () => {
    const tx = initTRPC.create({ transformer: { serialize: (v: unknown) => v, deserialize: (v: unknown) => v } });
    expect(fastPathBlocker(tx.router({ a: tx.procedure.query(() => 1) }))).toBe('a data transformer is configured');
    const tilde = initTRPC.create({ pathSeparator: '~' });
    expect(fastPathBlocker(tilde.router({ a: tilde.procedure.query(() => 1) }))).toBe(
      'a path separator other than "." is configured',
    );
  });
});

describe('errorShaper', () => {
  it("applies the router's error formatter (appCode, details, path, httpStatus)", () => {
    const shape = errorShaper(router({ ping: publicProcedure.query(() => 1) }));
    const cause = new DomainError('INSUFFICIENT_STOCK', 'Not enough stock', { skuId: 's1' });
    const error = new TRPCError({ code: 'CONFLICT', message: cause.message, cause });
    expect(shape({ error, ctx: undefined, path: 'cart.addItem', type: 'mutation', input: undefined })).toMatchObject({
      message: 'Not enough stock',
      data: {
        code: 'CONFLICT',
        httpStatus: 409,
        path: 'cart.addItem',
        appCode: 'INSUFFICIENT_STOCK',
        details: { skuId: 's1' },
      },
    });
  });

  it("falls back to tRPC's default shape for a router without a formatter", () => {
    const plain = initTRPC.context<Context>().create();
    const shape = errorShaper(plain.router({ a: plain.procedure.query(() => 1) }));
    const out = shape({
      error: new TRPCError({ code: 'NOT_FOUND', message: 'nope' }),
      ctx: undefined,
      path: 'a',
      type: 'query',
      input: undefined,
    });
    expect(out).toMatchObject({
      message: 'nope',
      code: -32004,
      data: { code: 'NOT_FOUND', httpStatus: 404, path: 'a' },
    });
    expect(out.data).not.toHaveProperty('appCode');
  });
});
