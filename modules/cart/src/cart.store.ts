import { QueryTypes, type Transaction } from 'sequelize';
import { newId, type Db } from '@zjmall/platform';
import type { CartLine, CartOwner, CartSnapshot } from './types';

interface LineRow {
  cart_id: string;
  holds_until: Date | null;
  coupon_code: string | null;
  id: string | null;
  sku_id: string;
  quantity: number;
  added_price: number;
  selected: boolean;
  added_at: Date;
}

const toLine = (r: Omit<LineRow, 'cart_id' | 'holds_until' | 'coupon_code'> & { id: string }): CartLine => ({
  id: r.id,
  skuId: r.sku_id,
  quantity: r.quantity,
  addedPrice: r.added_price,
  selected: r.selected,
  addedAt: r.added_at.toISOString(),
});

/** Only `lockCarts` makes a LockedCart: the line writers take one, so they run where the cart row was written. */
const lockedBrand: unique symbol = Symbol('LockedCart');

/** A cart locked (or created) by `lockCarts` in the caller's transaction, with its lines as they are under the lock. */
export interface LockedCart {
  readonly [lockedBrand]: true;
  cartId: string;
  holdsUntil: string | null;
  couponCode: string | null;
  extendDue: boolean;
  /** Newest first. */
  lines: CartLine[];
  /**
   * How to take back the lock's touch if the cart's add is refused (as the single-cart path's
   * rollback would): drop a cart created for it, or put its hold expiry back (exactly: as text).
   */
  untouch: { drop: true } | { drop: false; holdsUntil: string | null };
}

export function createCartStore(db: Db) {
  const select = <T extends object>(sql: string, bind: unknown[], transaction?: Transaction) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT, transaction });

  /** The lines of several carts (call with them locked), newest first per cart. */
  async function linesOf(cartIds: string[], tx: Transaction): Promise<Map<string, CartLine[]>> {
    const rows = await select<LineRow & { id: string }>(
      `SELECT cart_id, id, sku_id, quantity, added_price, selected, added_at FROM cart.cart_items WHERE cart_id = ANY($1::uuid[])
        ORDER BY added_at DESC, id DESC`,
      [cartIds],
      tx,
    );
    const out = new Map<string, CartLine[]>(cartIds.map((id) => [id, []]));
    for (const r of rows) out.get(r.cart_id)?.push(toLine(r));
    return out;
  }

  return {
    /** The owner's active cart and its lines in one statement. */
    async loadActive(owner: CartOwner, tx?: Transaction): Promise<CartSnapshot> {
      const rows = await select<LineRow>(
        `SELECT c.id AS cart_id, c.holds_until, c.coupon_code, i.id, i.sku_id, i.quantity, i.added_price, i.selected, i.added_at
           FROM cart.carts c LEFT JOIN cart.cart_items i ON i.cart_id = c.id
          WHERE c.owner_type = $1 AND c.owner_id = $2 AND c.status = 'active'
          ORDER BY i.added_at DESC, i.id DESC`,
        [owner.type, owner.id],
        tx,
      );
      if (rows.length === 0) return { cartId: null, holdsUntil: null, couponCode: null, lines: [] };
      const lines = rows.filter((r): r is LineRow & { id: string } => r.id !== null).map(toLine);
      return {
        cartId: rows[0].cart_id,
        holdsUntil: rows[0].holds_until?.toISOString() ?? null,
        couponCode: rows[0].coupon_code,
        lines,
      };
    },

    /**
     * The one way a cart writer locks carts: locks the owners' active carts in cart id order (the
     * order every multi-cart writer uses), touches them (`updated_at`, and with `holdSeconds` > 0
     * `holds_until` moves to now + holdSeconds, `extendDue` saying whether it moved by more than
     * `slackSeconds`, both on the database clock), creates the missing ones of owners with
     * `create`, and answers per owner key (`type:id`); an owner without an active cart and without
     * `create` is absent from the answer.
     *
     * Each locked cart comes with its lines. The lock statement reads them in its snapshot, which is
     * current unless it had to wait for a cart's row lock. Every writer of a cart's lines also writes
     * its cart row in the same transaction (this store is the only writer of cart_items, and each of
     * its line writers takes a `LockedCart` or writes the row itself; `store-invariants.test.ts`
     * fails on a write elsewhere), so a cart whose locked row version (xmin) is the snapshot's has
     * current lines; the others' are read again here, under the lock. A cart created here has none.
     */
    async lockCarts(
      tx: Transaction,
      owners: { owner: CartOwner; holdSeconds: number; create: boolean }[],
      slackSeconds: number,
    ): Promise<Map<string, LockedCart>> {
      type JsonLine = {
        id: string;
        sku_id: string;
        quantity: number;
        added_price: number;
        selected: boolean;
        added_at: string;
      };
      type Locked = {
        id: string;
        owner_type: string;
        owner_id: string;
        holds_until: Date | null;
        coupon_code: string | null;
        extend_due: boolean;
        fresh: boolean;
        lines: JsonLine[] | null;
        prev_holds_until: string | null;
        created: boolean;
      };
      const out = new Map<string, Omit<LockedCart, 'lines'> & { lines: CartLine[] | null }>();
      const keep = (rows: Locked[]) => {
        for (const r of rows) {
          out.set(`${r.owner_type}:${r.owner_id}`, {
            [lockedBrand]: true,
            cartId: r.id,
            holdsUntil: r.holds_until?.toISOString() ?? null,
            couponCode: r.coupon_code,
            extendDue: r.extend_due,
            lines: r.fresh ? (r.lines ?? []).map((l) => toLine({ ...l, added_at: new Date(l.added_at) })) : null,
            untouch: r.created ? { drop: true } : { drop: false, holdsUntil: r.prev_holds_until },
          });
        }
      };
      let wanted = [...owners].sort((a, b) => (a.owner.type + a.owner.id < b.owner.type + b.owner.id ? -1 : 1));
      for (let attempt = 0; attempt < 3 && wanted.length; attempt++) {
        keep(
          await select<Locked>(
            `WITH snap AS (
               SELECT k.id, k.xmin::text AS v
                 FROM cart.carts k JOIN unnest($1::text[], $2::uuid[]) AS o(t, i) ON k.owner_type = o.t AND k.owner_id = o.i
                WHERE k.status = 'active'
             ), u AS (
               UPDATE cart.carts c SET updated_at = now(),
                      holds_until = CASE WHEN prev.hold > 0 THEN now() + make_interval(secs => prev.hold) ELSE c.holds_until END
                 FROM (SELECT k.id, k.holds_until, k.xmin::text AS v, o.hold
                         FROM cart.carts k JOIN unnest($1::text[], $2::uuid[], $3::int[]) AS o(t, i, hold) ON k.owner_type = o.t AND k.owner_id = o.i
                        WHERE k.status = 'active' ORDER BY k.id FOR UPDATE OF k) prev
                WHERE c.id = prev.id
              RETURNING c.id, c.owner_type, c.owner_id, c.holds_until, c.coupon_code, prev.v, prev.holds_until::text AS prev_holds_until,
                        prev.hold > 0 AND (prev.holds_until IS NULL OR c.holds_until - prev.holds_until > make_interval(secs => $4::float8)) AS extend_due
             )
             SELECT u.id, u.owner_type, u.owner_id, u.holds_until, u.coupon_code, u.extend_due, u.prev_holds_until, false AS created,
                    (s.v IS NOT DISTINCT FROM u.v) AS fresh,
                    (SELECT json_agg(json_build_object('id', i.id, 'sku_id', i.sku_id, 'quantity', i.quantity, 'added_price', i.added_price,
                                                       'selected', i.selected, 'added_at', i.added_at) ORDER BY i.added_at DESC, i.id DESC)
                       FROM cart.cart_items i WHERE i.cart_id = u.id) AS lines
               FROM u LEFT JOIN snap s ON s.id = u.id`,
            [
              wanted.map((w) => w.owner.type),
              wanted.map((w) => w.owner.id),
              wanted.map((w) => w.holdSeconds),
              slackSeconds,
            ],
            tx,
          ),
        );
        wanted = wanted.filter((w) => w.create && !out.has(`${w.owner.type}:${w.owner.id}`));
        if (!wanted.length) break;
        keep(
          await select<Locked>(
            `INSERT INTO cart.carts (id, owner_type, owner_id, holds_until)
             SELECT n.id, n.t, n.i, CASE WHEN n.hold > 0 THEN now() + make_interval(secs => n.hold) END
               FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[]) AS n(id, t, i, hold)
             ON CONFLICT (owner_type, owner_id) WHERE status = 'active' DO NOTHING
             RETURNING id, owner_type, owner_id, holds_until, coupon_code, false AS extend_due, true AS fresh, NULL::json AS lines,
                       NULL::text AS prev_holds_until, true AS created`,
            [
              wanted.map(() => newId()),
              wanted.map((w) => w.owner.type),
              wanted.map((w) => w.owner.id),
              wanted.map((w) => w.holdSeconds),
            ],
            tx,
          ),
        );
        // Owners whose cart another request created between the two statements: lock those next round.
        wanted = wanted.filter((w) => !out.has(`${w.owner.type}:${w.owner.id}`));
      }
      if (wanted.length) throw new Error('could not lock or create the active carts');
      // Lines came with the locks, except for carts whose lock was waited for: read those again now.
      const stale = [...out.values()].filter((c) => c.lines === null).map((c) => c.cartId);
      const reread = stale.length ? await linesOf(stale, tx) : null;
      return new Map([...out].map(([k, c]) => [k, { ...c, lines: c.lines ?? reread?.get(c.cartId) ?? [] }]));
    },

    /**
     * New lines and new quantities of locked carts in one statement, and the lock's touch taken back
     * from the carts in `untouch` (their adds were refused); answers the new lines by `cartId:skuId`.
     * An update with `addedPrice` (a new add of the line's SKU) sets the agreed price too; without, it keeps it.
     */
    async writeLines(
      tx: Transaction,
      inserts: { cart: LockedCart; skuId: string; quantity: number; addedPrice: number }[],
      updates: { cart: LockedCart; itemId: string; quantity: number; addedPrice?: number }[],
      untouch: LockedCart[] = [],
    ): Promise<Map<string, CartLine>> {
      const ids = inserts.map(() => newId());
      const restore = untouch.flatMap((c) =>
        c.untouch.drop ? [] : [{ cartId: c.cartId, holdsUntil: c.untouch.holdsUntil }],
      );
      const drop = untouch.filter((c) => c.untouch.drop).map((c) => c.cartId);
      const rows = await select<LineRow & { id: string }>(
        `WITH up AS (
           UPDATE cart.cart_items i SET quantity = u.q, added_price = coalesce(u.p, i.added_price), updated_at = now()
             FROM unnest($6::uuid[], $7::int[], $11::uuid[], $12::bigint[]) AS u(id, q, cart_id, p)
            WHERE i.id = u.id AND i.cart_id = u.cart_id
           RETURNING 1
         ), restored AS (
           UPDATE cart.carts c SET holds_until = r.h::timestamptz
             FROM unnest($8::uuid[], $9::text[]) AS r(id, h) WHERE c.id = r.id
           RETURNING 1
         ), dropped AS (
           DELETE FROM cart.carts c WHERE c.id = ANY($10::uuid[])
             AND NOT EXISTS (SELECT 1 FROM cart.cart_items i WHERE i.cart_id = c.id)
           RETURNING 1
         )
         INSERT INTO cart.cart_items (id, cart_id, sku_id, quantity, added_price)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::bigint[])
         RETURNING cart_id, id, sku_id, quantity, added_price, selected, added_at`,
        [
          ids,
          inserts.map((l) => l.cart.cartId),
          inserts.map((l) => l.skuId),
          inserts.map((l) => l.quantity),
          inserts.map((l) => l.addedPrice),
          updates.map((u) => u.itemId),
          updates.map((u) => u.quantity),
          restore.map((u) => u.cartId),
          restore.map((u) => u.holdsUntil),
          drop,
          updates.map((u) => u.cart.cartId),
          updates.map((u) => u.addedPrice ?? null),
        ],
        tx,
      );
      return new Map(rows.map((r) => [`${r.cart_id}:${r.sku_id}`, toLine(r)]));
    },

    /** `cart.acceptPrices`: these lines of a locked cart take the given agreed prices. */
    async setAddedPrices(
      tx: Transaction,
      cart: LockedCart,
      prices: { itemId: string; price: number }[],
    ): Promise<void> {
      if (prices.length === 0) return;
      await db.query(
        `UPDATE cart.cart_items i SET added_price = u.p, updated_at = now()
           FROM unnest($2::uuid[], $3::bigint[]) AS u(id, p) WHERE i.cart_id = $1 AND i.id = u.id`,
        { bind: [cart.cartId, prices.map((p) => p.itemId), prices.map((p) => p.price)], transaction: tx },
      );
    },

    async deleteLines(tx: Transaction, cart: LockedCart, itemIds: string[]): Promise<void> {
      await db.query(`DELETE FROM cart.cart_items WHERE cart_id = $1 AND id = ANY($2::uuid[])`, {
        bind: [cart.cartId, itemIds],
        transaction: tx,
      });
    },

    async setSelected(tx: Transaction, cart: LockedCart, itemIds: string[] | null, selected: boolean): Promise<void> {
      await db.query(
        `UPDATE cart.cart_items SET selected = $3, updated_at = now() WHERE cart_id = $1 AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))`,
        { bind: [cart.cartId, itemIds, selected], transaction: tx },
      );
    },

    async setStatus(
      tx: Transaction,
      cartId: string,
      status: 'abandoned' | 'merged',
      mergedInto: string | null = null,
    ): Promise<void> {
      await db.query(`UPDATE cart.carts SET status = $2, merged_into = $3, updated_at = now() WHERE id = $1`, {
        bind: [cartId, status, mergedInto],
        transaction: tx,
      });
    },

    /** The applied coupon (null: none), under the cart's row lock. */
    async setCoupon(tx: Transaction, cartId: string, code: string | null): Promise<void> {
      await db.query(`UPDATE cart.carts SET coupon_code = $2, updated_at = now() WHERE id = $1`, {
        bind: [cartId, code],
        transaction: tx,
      });
    },

    /** Takes `code` off the cart if it is still the applied one (a checkout used it). */
    async dropCoupon(tx: Transaction, cartId: string, code: string): Promise<void> {
      await db.query(`UPDATE cart.carts SET coupon_code = NULL WHERE id = $1 AND coupon_code = $2`, {
        bind: [cartId, code],
        transaction: tx,
      });
    },

    /** Locks a cart (order's transaction) and deletes these lines of it, in one statement; answers its owner (null: no such cart). */
    /** Removes `itemIds` from the cart (its row written first); the owner and the ids actually removed. */
    async removeLinesOf(
      tx: Transaction,
      cartId: string,
      itemIds: string[],
    ): Promise<{ owner: CartOwner; removed: string[] } | null> {
      const [r] = await select<{ owner_type: 'user' | 'guest'; owner_id: string; removed: string[] }>(
        `WITH c AS (UPDATE cart.carts SET updated_at = now() WHERE id = $1 RETURNING id, owner_type, owner_id),
              d AS (DELETE FROM cart.cart_items WHERE cart_id = (SELECT id FROM c) AND id = ANY($2::uuid[]) RETURNING id)
         SELECT owner_type, owner_id, ARRAY(SELECT id::text FROM d) AS removed FROM c`,
        [cartId, itemIds],
        tx,
      );
      return r ? { owner: { type: r.owner_type, id: r.owner_id }, removed: r.removed } : null;
    },

    // ---- the cleanup job's statements (cart.cleanup.ts); each write of lines writes their carts' rows first ----

    /** SKUs that are in some cart's lines, in id order after `after` (a page of at most `limit`). */
    async skusInCarts(after: string, limit: number): Promise<string[]> {
      const rows = await select<{ sku_id: string }>(
        `SELECT DISTINCT sku_id FROM cart.cart_items WHERE sku_id > $1 ORDER BY sku_id LIMIT $2`,
        [after, limit],
      );
      return rows.map((r) => r.sku_id);
    },

    /**
     * Marks the lines of `off` SKUs unavailable (from now) and clears the mark of `on` SKUs' lines;
     * answers how many lines were newly marked. Their carts are locked (id order) and written
     * first, as every writer of lines does.
     */
    async markAvailability(off: string[], on: string[]): Promise<number> {
      return db.transaction(async (tx) => {
        await select(
          `UPDATE cart.carts c SET updated_at = c.updated_at
             FROM (SELECT id FROM cart.carts WHERE id IN (
                     SELECT cart_id FROM cart.cart_items
                      WHERE (sku_id = ANY($1::uuid[]) AND unavailable_since IS NULL)
                         OR (sku_id = ANY($2::uuid[]) AND unavailable_since IS NOT NULL))
                   ORDER BY id FOR UPDATE) k
            WHERE c.id = k.id RETURNING c.id`,
          [off, on],
          tx,
        );
        const [r] = await select<{ marked: number }>(
          `WITH marked AS (
             UPDATE cart.cart_items SET unavailable_since = now()
              WHERE sku_id = ANY($1::uuid[]) AND unavailable_since IS NULL RETURNING 1
           ), cleared AS (
             UPDATE cart.cart_items SET unavailable_since = NULL
              WHERE sku_id = ANY($2::uuid[]) AND unavailable_since IS NOT NULL RETURNING 1
           )
           SELECT (SELECT count(*) FROM marked)::int AS marked, (SELECT count(*) FROM cleared)::int AS cleared`,
          [off, on],
          tx,
        );
        return r.marked;
      });
    },

    /** Removes lines unavailable for more than `days`; answers how many and the owners of the carts that lost them. */
    async removeUnavailableLines(days: number): Promise<{ removed: number; owners: CartOwner[] }> {
      return db.transaction(async (tx) => {
        const carts = await select<{ id: string; owner_type: 'user' | 'guest'; owner_id: string }>(
          `UPDATE cart.carts c SET updated_at = c.updated_at
             FROM (SELECT id FROM cart.carts WHERE id IN (
                     SELECT cart_id FROM cart.cart_items WHERE unavailable_since < now() - make_interval(days => $1::int))
                   ORDER BY id FOR UPDATE) k
            WHERE c.id = k.id RETURNING c.id, c.owner_type, c.owner_id`,
          [days],
          tx,
        );
        if (carts.length === 0) return { removed: 0, owners: [] };
        const [r] = await select<{ n: number }>(
          `WITH gone AS (DELETE FROM cart.cart_items
                           WHERE cart_id = ANY($2::uuid[]) AND unavailable_since < now() - make_interval(days => $1::int) RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          [days, carts.map((c) => c.id)],
          tx,
        );
        return { removed: r.n, owners: carts.map((c) => ({ type: c.owner_type, id: c.owner_id })) };
      });
    },

    /** Deletes up to `limit` carts (any status; their lines go with them) untouched for `days`; answers their owners. */
    async removeStaleCarts(days: number, limit: number): Promise<CartOwner[]> {
      const rows = await select<{ owner_type: 'user' | 'guest'; owner_id: string }>(
        `DELETE FROM cart.carts WHERE id IN (
           SELECT id FROM cart.carts WHERE updated_at < now() - make_interval(days => $1::int) LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING owner_type, owner_id`,
        [days, limit],
      );
      return rows.map((r) => ({ type: r.owner_type, id: r.owner_id }));
    },
  };
}

export type CartStore = ReturnType<typeof createCartStore>;
