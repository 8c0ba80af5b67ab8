import { QueryTypes, type Transaction } from 'sequelize';
import type { Coupon, CouponKind, CreateCouponInput } from '@zjmall/contracts';
import { newId, type Db } from '@zjmall/platform';
import type { CouponState } from './coupon.rules';

interface CouponRow {
  id: string;
  code: string;
  kind: CouponKind;
  value: number;
  min_spend: number;
  starts_at: Date | null;
  ends_at: Date | null;
  usage_limit: number | null;
  per_user_limit: number | null;
  used_count: number;
  created_at: Date;
  disabled_at: Date | null;
}

/** A read: the row, its window on the database clock, and the customer's uses when asked for. */
export interface ReadRow extends CouponRow {
  win: CouponState['window'];
  /** Seconds until the window state changes (start or end), null if it never will. */
  next_change: number | null;
  /** Uses of the given user that still count; null when no user was given or there is no per-user limit. */
  user_uses: number | null;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** The columns both views of a coupon share. */
const fields = (r: CouponRow) => ({
  id: r.id,
  code: r.code,
  kind: r.kind,
  value: r.value,
  minSpend: r.min_spend,
  startsAt: iso(r.starts_at),
  endsAt: iso(r.ends_at),
  usageLimit: r.usage_limit,
  perUserLimit: r.per_user_limit,
  usedCount: r.used_count,
});

export const toState = (r: ReadRow): CouponState => ({ ...fields(r), disabled: r.disabled_at !== null, window: r.win });

export const toCoupon = (r: CouponRow): Coupon => ({
  ...fields(r),
  createdAt: r.created_at.toISOString(),
  disabledAt: iso(r.disabled_at),
});

/** Coupons' SQL, raw and bound. Every time comparison is made by PostgreSQL's now(). */
export function couponStore(db: Db) {
  const select = <T extends object>(sql: string, bind: unknown[], transaction?: Transaction) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT, transaction });

  return {
    async insert(input: CreateCouponInput & { code: string }, operator: string | null): Promise<CouponRow> {
      const [row] = await select<CouponRow>(
        `INSERT INTO pricing.coupons (id, code, kind, value, min_spend, starts_at, ends_at, usage_limit, per_user_limit, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [
          newId(),
          input.code,
          input.kind,
          input.value,
          input.minSpend ?? 0,
          input.startsAt ?? null,
          input.endsAt ?? null,
          input.usageLimit ?? null,
          input.perUserLimit ?? null,
          operator,
        ],
      );
      return row;
    },

    /** One statement: the coupon, its window state, and (with `userId`) that user's uses. */
    async read(code: string, userId: string | null, tx?: Transaction): Promise<ReadRow | null> {
      const [row] = await select<ReadRow>(
        `SELECT c.*,
                CASE WHEN c.starts_at > now() THEN 'not_started' WHEN c.ends_at <= now() THEN 'expired' ELSE 'active' END AS win,
                EXTRACT(EPOCH FROM (CASE WHEN c.starts_at > now() THEN c.starts_at WHEN c.ends_at > now() THEN c.ends_at END) - now())::float8 AS next_change,
                CASE WHEN $2::uuid IS NULL OR c.per_user_limit IS NULL THEN NULL
                     ELSE (SELECT count(*) FROM pricing.coupon_uses u WHERE u.coupon_id = c.id AND u.user_id = $2::uuid AND u.status = 'used') END AS user_uses
           FROM pricing.coupons c WHERE c.code = $1`,
        [code, userId],
        tx,
      );
      return row ?? null;
    },

    /** Every coupon, newest (UUIDv7) first, from after `afterId`. */
    async list(afterId: string | null, limit: number): Promise<CouponRow[]> {
      return select<CouponRow>(
        `SELECT * FROM pricing.coupons WHERE ($1::uuid IS NULL OR id < $1::uuid) ORDER BY id DESC LIMIT $2`,
        [afterId, limit],
      );
    },

    /** Switches a coupon off (once: a repeat keeps the first time and admin); null for an unknown code. */
    async disable(code: string, operator: string | null): Promise<CouponRow | null> {
      const [row] = await select<CouponRow>(
        `UPDATE pricing.coupons SET disabled_at = coalesce(disabled_at, now()), disabled_by = CASE WHEN disabled_at IS NULL THEN $2::uuid ELSE disabled_by END
          WHERE code = $1 RETURNING *`,
        [code, operator],
      );
      return row ?? null;
    },

    async userUses(couponId: string, userId: string, tx?: Transaction): Promise<number> {
      const [r] = await select<{ n: number }>(
        `SELECT count(*) AS n FROM pricing.coupon_uses WHERE coupon_id = $1 AND user_id = $2 AND status = 'used'`,
        [couponId, userId],
        tx,
      );
      return r.n;
    },

    /**
     * Takes one use if the coupon is enabled, in its window, under its limit and `amount` reaches its min
     * spend. The conditional UPDATE is the fence: concurrent takers queue on the row lock and each
     * re-checks `used_count < usage_limit` on the row as the previous one committed it.
     */
    async take(tx: Transaction, code: string, amount: number) {
      const [row] = await select<{ id: string; kind: CouponKind; value: number; per_user_limit: number | null }>(
        `UPDATE pricing.coupons SET used_count = used_count + 1
          WHERE code = $1 AND disabled_at IS NULL AND (usage_limit IS NULL OR used_count < usage_limit)
            AND (starts_at IS NULL OR starts_at <= now()) AND (ends_at IS NULL OR ends_at > now()) AND min_spend <= $2
        RETURNING id, kind, value, per_user_limit`,
        [code, amount],
        tx,
      );
      return row ?? null;
    },

    async insertUse(
      tx: Transaction,
      use: { couponId: string; userId: string; orderId: string; discount: number },
    ): Promise<void> {
      await db.query(
        `INSERT INTO pricing.coupon_uses (id, coupon_id, user_id, order_id, discount) VALUES ($1, $2, $3, $4, $5)`,
        {
          bind: [newId(), use.couponId, use.userId, use.orderId, use.discount],
          transaction: tx,
        },
      );
    },

    /** Gives an order's use back, once: only a `used` row is released, and only then is the count lowered. */
    async release(
      tx: Transaction,
      orderId: string,
    ): Promise<{ code: string; couponId: string; userId: string } | null> {
      const [row] = await select<{ code: string; coupon_id: string; user_id: string }>(
        `WITH r AS (UPDATE pricing.coupon_uses SET status = 'released', released_at = now()
                     WHERE order_id = $1 AND status = 'used' RETURNING coupon_id, user_id)
         UPDATE pricing.coupons c SET used_count = c.used_count - 1 FROM r WHERE c.id = r.coupon_id
         RETURNING c.code, r.coupon_id, r.user_id`,
        [orderId],
        tx,
      );
      return row ? { code: row.code, couponId: row.coupon_id, userId: row.user_id } : null;
    },
  };
}
