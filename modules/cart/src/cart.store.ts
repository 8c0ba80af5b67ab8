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

/** The cart's SQL, raw and bound (hot paths; docs/architecture.md "Performance"). Newest lines first. */
/** A cart locked (or created) for a batch of adds; see lockActiveMany. */
export interface LockedCart {
  cartId: string;
  holdsUntil: string | null;
  couponCode: string | null;
  extendDue: boolean;
  lines: CartLine[] | null;
  /**
   * How to take back the lock's touch if the cart's add is refused (as the single-cart path's
   * rollback would): drop a cart created for it, or put its hold expiry back (exactly: as text).
   */
  untouch: { drop: true } | { drop: false; holdsUntil: string | null };
}

export function createCartStore(db: Db) {
  const select = <T extends object>(sql: string, bind: unknown[], transaction?: Transaction) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT, transaction });

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
     * Locks the owner's active cart (row lock: the cart's writers queue here) and touches it,
     * creating it when `create`. With `holdSeconds`, `holds_until` moves to now + holdSeconds and
     * `extendDue` says whether it moved by more than `slackSeconds` (both on the database clock).
     * Returns null when there is none and none was made.
     */
    async lockActive(
      owner: CartOwner,
      tx: Transaction,
      opts: { create: boolean; holdSeconds: number; slackSeconds?: number },
    ): Promise<{ cartId: string; holdsUntil: string | null; couponCode: string | null; extendDue: boolean } | null> {
      type Locked = { id: string; holds_until: Date | null; coupon_code: string | null; extend_due: boolean };
      const seen = (r: Locked) => ({
        cartId: r.id,
        holdsUntil: r.holds_until?.toISOString() ?? null,
        couponCode: r.coupon_code,
        extendDue: r.extend_due,
      });
      for (let attempt = 0; attempt < 3; attempt++) {
        const [hit] = await select<Locked>(
          `UPDATE cart.carts c SET updated_at = now(),
                  holds_until = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int) ELSE c.holds_until END
             FROM (SELECT id, holds_until FROM cart.carts WHERE owner_type = $1 AND owner_id = $2 AND status = 'active' FOR UPDATE) prev
            WHERE c.id = prev.id
          RETURNING c.id, c.holds_until, c.coupon_code,
                    $3::int > 0 AND (prev.holds_until IS NULL OR c.holds_until - prev.holds_until > make_interval(secs => $4::float8)) AS extend_due`,
          [owner.type, owner.id, opts.holdSeconds, opts.slackSeconds ?? 0],
          tx,
        );
        if (hit) return seen(hit);
        if (!opts.create) return null;
        const [made] = await select<Locked>(
          `INSERT INTO cart.carts (id, owner_type, owner_id, holds_until)
           VALUES ($1, $2, $3, CASE WHEN $4::int > 0 THEN now() + make_interval(secs => $4::int) END)
           ON CONFLICT (owner_type, owner_id) WHERE status = 'active' DO NOTHING RETURNING id, holds_until, coupon_code, false AS extend_due`,
          [newId(), owner.type, owner.id, opts.holdSeconds],
          tx,
        );
        if (made) return seen(made);
        // Another request created it between the two statements: lock that one.
      }
      throw new Error('could not lock or create the active cart');
    },

    /**
     * lockActive for several owners at once (batched adds): locks their active carts in id order
     * (the order every multi-cart writer uses), creates the missing ones, and answers per owner
     * key (`type:id`). Each owner's `holdSeconds` works as in lockActive.
     *
     * It also answers each locked cart's lines, read in the same statement — when they are sure to
     * be current: the statement reads in its snapshot, and if it had to wait for a cart's row lock,
     * the writer it waited for may have changed the lines since. Every writer of a cart's lines also
     * writes the cart row (its lock), so a cart whose locked row version (xmin) is the snapshot's has
     * current lines; for any other, `lines` is null (read them again, now that the lock is held).
     * A cart created here has none.
     */
    async lockActiveMany(
      owners: { owner: CartOwner; holdSeconds: number }[],
      tx: Transaction,
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
      const out = new Map<string, LockedCart>();
      const keep = (rows: Locked[]) => {
        for (const r of rows) {
          out.set(`${r.owner_type}:${r.owner_id}`, {
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
        wanted = wanted.filter((w) => !out.has(`${w.owner.type}:${w.owner.id}`));
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
      return out;
    },

    /** The lines of several carts (call with them locked), newest first per cart. */
    async linesOf(cartIds: string[], tx: Transaction): Promise<Map<string, CartLine[]>> {
      const rows = await select<LineRow & { id: string }>(
        `SELECT cart_id, id, sku_id, quantity, added_price, selected, added_at FROM cart.cart_items WHERE cart_id = ANY($1::uuid[])
          ORDER BY added_at DESC, id DESC`,
        [cartIds],
        tx,
      );
      const out = new Map<string, CartLine[]>(cartIds.map((id) => [id, []]));
      for (const r of rows) out.get(r.cart_id)?.push(toLine(r));
      return out;
    },

    /** New lines and new quantities of several carts in one statement; answers the new lines by `cartId:skuId`. */
    async writeLines(
      tx: Transaction,
      inserts: { cartId: string; skuId: string; quantity: number; addedPrice: number }[],
      updates: { itemId: string; quantity: number }[],
      untouch: { cartId: string; how: LockedCart['untouch'] }[] = [],
    ): Promise<Map<string, CartLine>> {
      const ids = inserts.map(() => newId());
      const restore = untouch.flatMap((u) => (u.how.drop ? [] : [{ cartId: u.cartId, holdsUntil: u.how.holdsUntil }]));
      const drop = untouch.filter((u) => u.how.drop).map((u) => u.cartId);
      const rows = await select<LineRow & { id: string }>(
        `WITH up AS (
           UPDATE cart.cart_items i SET quantity = u.q, updated_at = now()
             FROM unnest($6::uuid[], $7::int[]) AS u(id, q) WHERE i.id = u.id
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
          inserts.map((l) => l.cartId),
          inserts.map((l) => l.skuId),
          inserts.map((l) => l.quantity),
          inserts.map((l) => l.addedPrice),
          updates.map((u) => u.itemId),
          updates.map((u) => u.quantity),
          restore.map((u) => u.cartId),
          restore.map((u) => u.holdsUntil),
          drop,
        ],
        tx,
      );
      return new Map(rows.map((r) => [`${r.cart_id}:${r.sku_id}`, toLine(r)]));
    },

    async lines(cartId: string, tx: Transaction): Promise<CartLine[]> {
      const rows = await select<LineRow & { id: string }>(
        `SELECT id, sku_id, quantity, added_price, selected, added_at FROM cart.cart_items WHERE cart_id = $1
          ORDER BY added_at DESC, id DESC`,
        [cartId],
        tx,
      );
      return rows.map(toLine);
    },

    async insertLine(
      tx: Transaction,
      cartId: string,
      l: { skuId: string; quantity: number; addedPrice: number },
    ): Promise<CartLine> {
      const [r] = await select<LineRow & { id: string }>(
        `INSERT INTO cart.cart_items (id, cart_id, sku_id, quantity, added_price) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, sku_id, quantity, added_price, selected, added_at`,
        [newId(), cartId, l.skuId, l.quantity, l.addedPrice],
        tx,
      );
      return toLine(r);
    },

    async setQuantity(tx: Transaction, itemId: string, quantity: number): Promise<void> {
      await db.query(`UPDATE cart.cart_items SET quantity = $2, updated_at = now() WHERE id = $1`, {
        bind: [itemId, quantity],
        transaction: tx,
      });
    },

    async deleteLines(tx: Transaction, cartId: string, itemIds: string[]): Promise<void> {
      await db.query(`DELETE FROM cart.cart_items WHERE cart_id = $1 AND id = ANY($2::uuid[])`, {
        bind: [cartId, itemIds],
        transaction: tx,
      });
    },

    async setSelected(tx: Transaction, cartId: string, itemIds: string[] | null, selected: boolean): Promise<void> {
      await db.query(
        `UPDATE cart.cart_items SET selected = $3, updated_at = now() WHERE cart_id = $1 AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))`,
        { bind: [cartId, itemIds, selected], transaction: tx },
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
    async removeLinesOf(tx: Transaction, cartId: string, itemIds: string[]): Promise<CartOwner | null> {
      const [r] = await select<{ owner_type: 'user' | 'guest'; owner_id: string }>(
        `WITH c AS (UPDATE cart.carts SET updated_at = now() WHERE id = $1 RETURNING id, owner_type, owner_id),
              d AS (DELETE FROM cart.cart_items WHERE cart_id = (SELECT id FROM c) AND id = ANY($2::uuid[]) RETURNING 1)
         SELECT owner_type, owner_id, (SELECT count(*) FROM d)::int AS removed FROM c`,
        [cartId, itemIds],
        tx,
      );
      return r ? { type: r.owner_type, id: r.owner_id } : null;
    },
  };
}

export type CartStore = ReturnType<typeof createCartStore>;
