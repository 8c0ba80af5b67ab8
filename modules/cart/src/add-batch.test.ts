import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@zjmall/platform';
import { createHarness, failure, type Harness } from './testing/harness';

/**
 * cart.addItem without an idempotency key is coalesced across carts (add-batch.ts). These adds go
 * in at once, so they share batches; each must still be decided on its own, exactly as if the adds
 * had run one after another in some order.
 */
describe('batched cart adds', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('cartbatch', {
      CART_HOLD_TTL_SECONDS: '600',
      CART_MAX_LINES: '3',
      CART_MAX_QUANTITY: '20',
    });
  });
  afterAll(() => h?.close());

  const settle = <T>(ps: Promise<T>[]) => Promise.allSettled(ps);

  it('40 customers and guests adding at once: each add is decided alone; lines, holds and stock agree', async () => {
    const [scarce, plenty, other] = await h.skus(3, { stock: 1000 });
    // Only 7 of `scarce` are free.
    await h.db.query(`UPDATE inventory.stock SET on_hand = 7 WHERE sku_id = $1`, { bind: [scarce] });
    const users = Array.from({ length: 20 }, () => h.user());
    const guests = Array.from({ length: 20 }, () => h.guest());
    const everyone = [...users, ...guests];

    // Round 1, all at once: each adds 1 scarce (users hold, guests are only checked), 2 plenty, and 21 other (over the quantity limit).
    const round = await settle(
      everyone.flatMap((c) => [
        c.addItem({ skuId: scarce, quantity: 1 }),
        c.addItem({ skuId: plenty, quantity: 2 }),
        c.addItem({ skuId: other, quantity: 21 }),
      ]),
    );
    const outcome = (i: number) => round[i];
    const overLimit = everyone.map((_, k) => outcome(k * 3 + 2));
    expect(overLimit.every((r) => r.status === 'rejected')).toBe(true);
    const plentyAdds = everyone.map((_, k) => outcome(k * 3 + 1));
    expect(plentyAdds.every((r) => r.status === 'fulfilled')).toBe(true);

    // Holds: at most 7 users got `scarce`; guests are checked against what is free, never held.
    const scarceUsers = users.filter((_, k) => outcome(k * 3).status === 'fulfilled');
    expect(scarceUsers.length).toBe(7);
    for (let k = 0; k < users.length; k++) {
      const r = outcome(k * 3);
      if (r.status === 'rejected') expect(String(r.reason)).toMatch(/Not enough stock/);
    }
    const s = await h.stock(scarce);
    expect(s).toMatchObject({ onHand: 7, reserved: 7, held: 7 });

    // Every cart's lines match what its calls were told, and each user's holds match its lines.
    for (const [k, c] of everyone.entries()) {
      const cart = await c.get();
      const want: Record<string, number> = { [plenty]: 2 };
      if (outcome(k * 3).status === 'fulfilled') want[scarce] = 1;
      expect(Object.fromEntries(cart.items.map((i) => [i.skuId, i.quantity]))).toEqual(want);
      if (c.owner.type === 'user') {
        for (const sku of Object.keys(want)) expect((await h.stock(sku, cart.id)).held).toBe(want[sku]);
      }
    }
    expect(await h.stock(plenty)).toMatchObject({ reserved: 40 });
    expect(await h.stock(other)).toMatchObject({ reserved: 0 });

    // Ledger and reserved agree for the SKUs the batches touched.
    const [ledger] = await h.q<{ reserve: number; release: number }>(
      `SELECT coalesce(sum(quantity) FILTER (WHERE type = 'RESERVE'), 0)::int AS reserve, coalesce(sum(quantity) FILTER (WHERE type = 'RELEASE'), 0)::int AS release
         FROM inventory.ledger WHERE sku_id = $1`,
      [plenty],
    );
    expect(ledger.reserve - ledger.release).toBe(40);
  });

  it('a refused add leaves its cart as it was: hold expiry and holds unmoved, no cart created for it', async () => {
    const [a, b] = await h.skus(2, { stock: 100 });
    const c = h.user();
    const cart = await c.addItem({ skuId: a, quantity: 2 });
    // Move the hold expiry back so that any touch of the cart would show.
    await h.q(`UPDATE cart.carts SET holds_until = now() + interval '100 seconds' WHERE id = $1`, [cart.id]);
    await h.q(`UPDATE inventory.reservations SET expires_at = now() + interval '100 seconds' WHERE owner_id = $1`, [
      cart.id,
    ]);
    const before = await h.q<{ holds_until: string }>(`SELECT holds_until::text FROM cart.carts WHERE id = $1`, [
      cart.id,
    ]);
    const heldBefore = await h.q<{ expires_at: string }>(
      `SELECT expires_at::text FROM inventory.reservations WHERE owner_id = $1 ORDER BY sku_id`,
      [cart.id],
    );

    // In one batch with other carts' adds that go through: c's is over the quantity limit; a new
    // user's first add is over it too.
    const newcomer = h.user();
    const others = Array.from({ length: 3 }, () => h.user());
    const results = await settle([
      c.addItem({ skuId: a, quantity: 19 }),
      newcomer.addItem({ skuId: b, quantity: 21 }),
      ...others.map((o) => o.addItem({ skuId: b, quantity: 1 })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);

    expect(await h.q(`SELECT holds_until::text FROM cart.carts WHERE id = $1`, [cart.id])).toEqual(before);
    expect(
      await h.q(`SELECT expires_at::text FROM inventory.reservations WHERE owner_id = $1 ORDER BY sku_id`, [cart.id]),
    ).toEqual(heldBefore);
    expect((await c.get()).items.map((i) => i.quantity)).toEqual([2]);
    expect(await h.carts(newcomer.id)).toEqual([]);
    // The carts whose adds went through were touched as usual.
    for (const o of others) expect((await o.get()).items).toHaveLength(1);
  });

  it('one cart’s adds at once: all land, in some order, none lost; the line limit refuses exactly the extra lines', async () => {
    const c = h.user();
    const skus = await h.skus(5, { stock: 100 });
    const [a] = skus;
    const sameSku = await settle(Array.from({ length: 12 }, () => c.addItem({ skuId: a, quantity: 1 })));
    expect(sameSku.filter((r) => r.status === 'fulfilled')).toHaveLength(12);
    const cart = await c.get();
    expect(cart.items.find((i) => i.skuId === a)?.quantity).toBe(12);
    expect((await h.stock(a, cart.id)).held).toBe(12);

    // Three lines allowed: a is one, so two of the four new SKUs get in.
    const lines = await settle(skus.slice(1).map((sku) => c.addItem({ skuId: sku, quantity: 1 })));
    expect(lines.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    for (const r of lines) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/At most 3 lines/);
    expect((await c.get()).items).toHaveLength(3);
  });

  it('answers each add with its own cart and the stock its batch left (no stale read of a dropped cache entry)', async () => {
    const [a] = await h.skus(1, { stock: 50 });
    const [x, y] = [h.user(), h.user()];
    const [cx, cy] = await Promise.all([x.addItem({ skuId: a, quantity: 5 }), y.addItem({ skuId: a, quantity: 7 })]);
    expect(cx.items).toHaveLength(1);
    expect(cy.items).toHaveLength(1);
    expect(cx.id).not.toBe(cy.id);
    // A customer sees free stock plus its own hold; both adds are in the stock the later one saw.
    const seen = [cx.items[0].availableStock - 5, cy.items[0].availableStock - 7];
    expect(seen.some((free) => free === 38)).toBe(true);
    expect((await x.get()).items[0]).toMatchObject({ quantity: 5, availableStock: 50 - 7 });
    expect((await y.get()).items[0]).toMatchObject({ quantity: 7, availableStock: 50 - 5 });
  });

  it('a batch that fails as a whole is retried add by add: only the add that cannot be written fails', async () => {
    const [a, b] = await h.skus(2, { stock: 100 });
    // A constraint only this test trips: a line of quantity 13 cannot be written.
    await h.db.query(`ALTER TABLE cart.cart_items ADD CONSTRAINT test_not_13 CHECK (quantity <> 13)`);
    try {
      const cs = Array.from({ length: 6 }, () => h.user());
      const results = await settle(cs.map((c, i) => c.addItem({ skuId: i === 2 ? b : a, quantity: i === 2 ? 13 : 1 })));
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      expect(await h.stock(a)).toMatchObject({ reserved: 5 });
      // The refused add left nothing behind: no line, no hold.
      expect(await h.stock(b)).toMatchObject({ reserved: 0 });
      expect((await cs[2].get()).items).toEqual([]);
    } finally {
      await h.db.query(`ALTER TABLE cart.cart_items DROP CONSTRAINT test_not_13`);
    }
  });

  it('a failure after the commit (the cache delete) neither fails nor re-runs the committed adds', async () => {
    const [a] = await h.skus(1, { stock: 100 });
    const cache = h.platform.cache as { del: (keys: string | string[]) => Promise<void> };
    const del = cache.del.bind(cache);
    let failures = 0;
    cache.del = async (keys) => {
      if (failures++ < 3) throw new Error('redis is down (injected)');
      return del(keys);
    };
    try {
      const cs = Array.from({ length: 5 }, () => h.user());
      const answers = await Promise.all(cs.map((c) => c.addItem({ skuId: a, quantity: 1 })));
      expect(answers.map((v) => v.items[0].quantity)).toEqual([1, 1, 1, 1, 1]);
      expect(failures).toBeGreaterThan(0);
    } finally {
      cache.del = del;
    }
    // Each add happened once: 5 held, not 10.
    expect(await h.stock(a)).toMatchObject({ reserved: 5 });
  });

  it('a batch that waited for a cart’s lock reads its lines again: the other writer’s line is there', async () => {
    const [a, b, d] = await h.skus(3, { stock: 100 });
    const c = h.user();
    const first = await c.addItem({ skuId: a, quantity: 1 });
    // Another writer holds the cart's row lock and adds a line, as every cart writer does.
    const other = await h.db.transaction();
    await h.db.query(`UPDATE cart.carts SET updated_at = now() WHERE id = $1`, {
      bind: [first.id],
      transaction: other,
    });
    await h.db.query(
      `INSERT INTO cart.cart_items (id, cart_id, sku_id, quantity, added_price) VALUES ($1, $2, $3, 2, 1100)`,
      {
        bind: [newId(), first.id, b],
        transaction: other,
      },
    );
    const adding = c.addItem({ skuId: d, quantity: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await other.commit();
    const answer = await adding;
    expect(Object.fromEntries(answer.items.map((i) => [i.skuId, i.quantity]))).toEqual({ [a]: 1, [b]: 2, [d]: 1 });
    expect(await c.get()).toEqual(answer);
  });

  it('an unknown or unlisted SKU is refused before it queues', async () => {
    const [hidden] = await h.skus(1, { publish: false });
    const c = h.user();
    expect(await failure(h, c.addItem({ skuId: hidden, quantity: 1 }))).toMatchObject({ appCode: 'SKU_UNAVAILABLE' });
    expect(await failure(h, c.addItem({ skuId: '0190a000-0000-7000-8000-000000000000', quantity: 1 }))).toMatchObject({
      appCode: 'SKU_NOT_FOUND',
    });
  });
});
