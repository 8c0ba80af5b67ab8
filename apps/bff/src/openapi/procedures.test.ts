import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adminProcedure, guestProcedure, publicProcedure, router, userProcedure } from '@zjmall/platform';
import { listProcedures } from './procedures';

/**
 * Pins what the adapter reads from tRPC's built routers (procedures.ts): a tRPC upgrade that moves
 * the procedure map, a procedure's type, input/output parsers or meta fails here.
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
