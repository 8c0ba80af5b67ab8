import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { newId } from '@zjmall/platform';
import { createOrderHarness, type OrderHarness } from './testing/harness';

/**
 * The lock order (docs/architecture.md, "Lock order": order → payment → cart → the customer's
 * purchase-limit lock → stock → coupon)
 * holds for every pair of use cases that can meet on one customer's cart, orders and SKUs: each
 * pair runs at once, on the same rows, and PostgreSQL must break no deadlock in all of it.
 * (`retryOnDeadlock` would hide one from the callers, so the database's own count is what is
 * checked.) Payment's callback and refunds lock order → payment → stock; payment's tests cover them.
 */
let h: OrderHarness;
beforeAll(async () => {
  h = await createOrderHarness('lockorder', { realCart: true, env: { CART_HOLD_TTL_SECONDS: '1800' } });
});
afterAll(() => h?.close());

type Who = Awaited<ReturnType<OrderHarness['user']>>;
interface Round {
  u: Who;
  guestId: string;
  /** A pending order of the customer's (for cancel and the timeout canceller). */
  orderId: string;
  cartId: string;
  skus: string[];
}

const owner = (r: Round) => ({ type: 'user' as const, id: r.u.id });
const cart = () => h.realCart!;
const lineOf = async (r: Round, skuId: string) => (await cart().get(owner(r))).items.find((i) => i.skuId === skuId);

/** Every use case that locks the rows of a customer's cart, orders or SKUs. */
const OPS: Record<string, (r: Round) => Promise<unknown>> = {
  add: (r) =>
    Promise.all([
      cart().addItem(owner(r), { skuId: r.skus[0], quantity: 1 }),
      cart().addItem(owner(r), { skuId: r.skus[1], quantity: 1, idempotencyKey: h.key() }),
    ]),
  quantity: async (r) => {
    const l = await lineOf(r, r.skus[0]);
    if (l) await cart().updateQuantity(owner(r), { itemId: l.id, quantity: 3 });
  },
  remove: async (r) => {
    const l = await lineOf(r, r.skus[1]);
    if (l) await cart().removeItems(owner(r), { itemIds: [l.id] });
  },
  clear: (r) => cart().clear(owner(r)),
  merge: (r) => cart().mergeGuestCart(r.u.id, r.guestId),
  checkout: (r) => r.u.api.checkout({ addressId: r.u.addressId, idempotencyKey: h.key() }),
  cancel: (r) => r.u.api.cancel({ id: r.orderId }),
  timeout: async (r) => {
    await h.expire(r.orderId);
    await h.order.cancelExpired();
  },
  expiry: async (r) => {
    // Makes the cart's holds lapse as inventory's writers change reservations: stock rows first, written too.
    await h.db.transaction(async (tx) => {
      await h.db.query(
        `UPDATE inventory.stock s SET updated_at = s.updated_at
           FROM (SELECT sku_id FROM inventory.stock WHERE sku_id = ANY($1::uuid[]) ORDER BY sku_id FOR NO KEY UPDATE) k
          WHERE s.sku_id = k.sku_id`,
        { bind: [r.skus], transaction: tx },
      );
      await h.db.query(
        `UPDATE inventory.reservations SET expires_at = now() - interval '1 second'
          WHERE owner_type = 'cart' AND owner_id = $1 AND status = 'active'`,
        { bind: [r.cartId], transaction: tx },
      );
    });
    await h.inventory.releaseExpired();
  },
  extend: (r) => h.inventory.extend({ type: 'cart', id: r.cartId }, 1800),
  adjust: (r) =>
    h.inventory.adjustMany({
      items: r.skus.map((skuId) => ({ skuId, mode: 'ADD' as const, quantity: 1 })),
      reason: 'restock',
      idempotencyKey: h.key(),
      operator: newId(),
    }),
  cleanup: () => cart().cleanup(),
};

/** A customer with a pending order, a held cart of both SKUs, and a guest cart of both. */
async function round(skus: string[]): Promise<Round> {
  const u = await h.user();
  const me = { type: 'user' as const, id: u.id };
  for (const skuId of skus) await cart().addItem(me, { skuId, quantity: 1 });
  const order = await u.api.checkout({ addressId: u.addressId, idempotencyKey: h.key() });
  let view = await cart().addItem(me, { skuId: skus[1], quantity: 1 });
  view = await cart().addItem(me, { skuId: skus[0], quantity: 1 });
  const guestId = newId();
  for (const skuId of skus) await cart().addItem({ type: 'guest', id: guestId }, { skuId, quantity: 1 });
  return { u, guestId, orderId: order.id, cartId: view.id!, skus };
}

const deadlocks = async () =>
  (
    await h.db.query<{ n: number }>(
      'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()',
      { type: QueryTypes.SELECT },
    )
  )[0].n;

/** An expected refusal (the other use case got there first) carries an appCode; anything else is a failure. */
const refused = (e: unknown) => {
  const err = e as { appCode?: string; cause?: { appCode?: string }; data?: { appCode?: string } } | null;
  return Boolean(err?.appCode ?? err?.cause?.appCode ?? err?.data?.appCode);
};

describe('lock order', () => {
  it('no pair of use cases deadlocks on the same cart, orders and SKUs', async () => {
    const names = Object.keys(OPS);
    const pairs = names.flatMap((a, i) => names.slice(i).map((b) => [a, b] as const));
    const skus = [await h.sku(500, 100_000), await h.sku(700, 100_000)];
    // The first SKU has a purchase limit (high enough never to refuse): every writer touching it
    // takes the customer's purchase-limit lock, after the cart row and before the stock.
    await h.catalog.setPurchaseLimit({ skuId: skus[0], limit: 100_000 });
    const before = await deadlocks();
    const failures: string[] = [];
    // Several pairs at once (each on its own customer; all on the same two SKUs' stock rows).
    for (let i = 0; i < pairs.length; i += 6) {
      await Promise.all(
        pairs.slice(i, i + 6).map(async ([a, b]) => {
          const r = await round(skus);
          const settled = await Promise.allSettled([OPS[a](r), OPS[b](r)]);
          settled.forEach((s, k) => {
            if (s.status === 'rejected' && !refused(s.reason))
              failures.push(`${a} × ${b}: ${k ? b : a} failed: ${String(s.reason)}`);
          });
        }),
      );
    }
    expect(failures).toEqual([]);
    // A backend reports its statistics when idle, at the latest after 10 s (PostgreSQL's PGSTAT_IDLE_INTERVAL).
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    expect(await deadlocks()).toBe(before);
  }, 600_000);
});
