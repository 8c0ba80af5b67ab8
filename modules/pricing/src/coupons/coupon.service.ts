import type { Transaction } from 'sequelize';
import {
  CreateCouponInput,
  type Coupon,
  type CouponInvalidReason,
  type CouponListInput,
  type CouponPage,
} from '@zjmall/contracts';
import { DomainError, FieldError, type Cache, type Db, type Logger } from '@zjmall/platform';
import { couponInvalid, discountOf, judge, normalizeCode, type CouponState } from './coupon.rules';
import { couponStore, toCoupon, toState, type ReadRow } from './coupon.store';

export interface CouponServiceDeps {
  db: Db;
  cache: Cache;
  log: Logger;
}

/** A coupon that applies: its normalized code and the discount on the amount asked about. */
export interface CouponQuote {
  code: string;
  discount: number;
}

/** A coupon judged for display (never throws for an invalid coupon). */
export interface CouponCheck {
  code: string;
  valid: boolean;
  reason: CouponInvalidReason | null;
  discount: number;
}

export interface CouponAmount {
  /** Signed-in customer (per-user limit); omitted for guests. */
  userId?: string;
  /** What the coupon applies to: the selected lines' amount, minor units. */
  selectedAmount: number;
}

export interface CouponService {
  /** `pricing.admin.createCoupon`; a code already in use is a FieldError on `code` (CONFLICT). */
  create(input: CreateCouponInput, operator: string | null): Promise<Coupon>;
  /** `pricing.admin.coupon`: the coupon with its use count, null for an unknown code. */
  get(code: string): Promise<Coupon | null>;
  /** `pricing.admin.coupons`: every coupon with its use count, disabled ones too, newest first. */
  list(input?: CouponListInput): Promise<CouponPage>;
  /** `pricing.admin.disableCoupon`: it applies nowhere from now on (COUPON_NOT_FOUND for an unknown code); a repeat changes nothing. */
  disable(code: string, operator: string | null): Promise<Coupon>;
  /** From the database: the discount, or COUPON_INVALID with `details.reason` (cart.applyCoupon, checkout). */
  quote(code: string, at: CouponAmount): Promise<CouponQuote>;
  /** Cached (cart reads): the same judgement, as data; at most a few seconds behind the database. */
  check(code: string, at: CouponAmount): Promise<CouponCheck>;
  /**
   * In the caller's transaction (checkout): re-validates and takes one use for `orderId`, or throws
   * COUPON_INVALID (the caller's transaction then rolls back). The usage limit holds under concurrency.
   */
  redeem(
    code: string,
    use: { userId: string; orderId: string; selectedAmount: number },
    tx: Transaction,
  ): Promise<CouponQuote>;
  /** In the caller's transaction (order cancelled): gives the order's use back; false if it had none or gave it back already. */
  release(orderId: string, tx: Transaction): Promise<boolean>;
}

/** How long a cart read may show a coupon's count and window state (writers delete the key sooner). */
const COUPON_TTL_SECONDS = 30;
/** A customer's use count of a coupon with a per-user limit (deleted when it changes). */
const USES_TTL_SECONDS = 300;

/** A page cursor: the last coupon's id (UUIDv7) as 22 base64url characters. */
const encodeCursor = (id: string): string => Buffer.from(id.replace(/-/g, ''), 'hex').toString('base64url');
const decodeCursor = (cursor: string): string => {
  const hex = Buffer.from(cursor, 'base64url').toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const couponKey = (code: string) => `pricing:coupon:${code}`;
const usesKey = (couponId: string, userId: string) => `pricing:coupon-uses:${couponId}:${userId}`;

export function createCouponService({ db, cache, log }: CouponServiceDeps): CouponService {
  const store = couponStore(db);

  /**
   * Keeps what was just read for cart reads, never past the next start or end of the window: the
   * cached state is the database clock's verdict, so no process clock is compared with a timestamp.
   */
  const remember = (code: string, row: ReadRow | null) => {
    const ttlSeconds = Math.min(COUPON_TTL_SECONDS, row?.next_change ?? Infinity);
    return cache.fill<CouponState | null>([{ key: couponKey(code), value: row ? toState(row) : null, ttlSeconds }]);
  };

  /** After the use count changed and committed: the next read sees it (here, in Redis, in every process). */
  const forget = (tx: Transaction, code: string, couponId: string, userId: string) =>
    tx.afterCommit(() =>
      // The change is committed: a failed invalidation only delays the display (TTL), never the answer.
      cache
        .del([couponKey(code), usesKey(couponId, userId)])
        .catch((err: unknown) => log.warn({ err, code }, 'coupon cache invalidation failed')),
    );

  return {
    async create(input, operator) {
      const parsed = CreateCouponInput.parse(input);
      const code = normalizeCode(parsed.code);
      let row;
      try {
        row = await store.insert({ ...parsed, code }, operator);
      } catch (e) {
        const parent = (e as { parent?: { code?: string; constraint?: string } }).parent;
        if (parent?.code === '23505' && parent.constraint === 'coupons_code_key') {
          throw new FieldError('CONFLICT', ['code'], `coupon code ${code} already exists`);
        }
        throw e;
      }
      // A cached "no such code" must not hide the new coupon.
      await cache.del(couponKey(code));
      log.info({ code, kind: row.kind, value: row.value, operator }, 'coupon created');
      return toCoupon(row);
    },

    async list(input = {}) {
      const limit = input.limit ?? 20;
      const rows = await store.list(input.cursor ? decodeCursor(input.cursor) : null, limit + 1);
      const page = rows.slice(0, limit);
      return {
        items: page.map(toCoupon),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
      };
    },

    async disable(code, operator) {
      const c = normalizeCode(code);
      const row = await store.disable(c, operator);
      if (!row) throw new DomainError('COUPON_NOT_FOUND', `Unknown coupon code ${c}`, { code: c });
      // Cart reads judge from the cache: drop it here, in Redis and in every process.
      await cache.del(couponKey(c));
      log.info({ code: c, operator }, 'coupon disabled');
      return toCoupon(row);
    },

    async get(code) {
      const row = await store.read(normalizeCode(code), null);
      return row ? toCoupon(row) : null;
    },

    async quote(code, at) {
      const c = normalizeCode(code);
      const row = await store.read(c, at.userId ?? null);
      await remember(c, row);
      const v = judge(row ? toState(row) : null, at.selectedAmount, row?.user_uses ?? null);
      if (!v.valid) throw couponInvalid(c, v.reason, v.details);
      return { code: c, discount: v.discount };
    },

    async check(code, at) {
      const c = normalizeCode(code);
      let state = await cache.get<CouponState | null>(couponKey(c));
      if (state === undefined) {
        const row = await store.read(c, null);
        await remember(c, row);
        state = row ? toState(row) : null;
      }
      let uses: number | null = null;
      if (state && state.perUserLimit !== null && at.userId) {
        const key = usesKey(state.id, at.userId);
        uses = (await cache.get<number>(key)) ?? null;
        if (uses === null) {
          uses = await store.userUses(state.id, at.userId);
          await cache.fill([{ key, value: uses, ttlSeconds: USES_TTL_SECONDS }]);
        }
      }
      const v = judge(state, at.selectedAmount, uses);
      return v.valid
        ? { code: c, valid: true, reason: null, discount: v.discount }
        : { code: c, valid: false, reason: v.reason, discount: 0 };
    },

    async redeem(code, use, tx) {
      const c = normalizeCode(code);
      const taken = await store.take(tx, c, use.selectedAmount);
      if (!taken) {
        // Refused by the window, the min spend or the fence: say which, from the row as it is now.
        const row = await store.read(c, null, tx);
        const v = judge(row ? toState(row) : null, use.selectedAmount, null);
        // Still valid when read: a concurrent release freed a use after the fence refused this one.
        throw v.valid ? couponInvalid(c, 'limit_reached') : couponInvalid(c, v.reason, v.details);
      }
      // Counted under the coupon's row lock (taken above), so one customer's concurrent checkouts cannot both pass.
      if (taken.per_user_limit !== null && (await store.userUses(taken.id, use.userId, tx)) >= taken.per_user_limit) {
        throw couponInvalid(c, 'user_limit', { perUserLimit: taken.per_user_limit });
      }
      const discount = discountOf(taken.kind, taken.value, use.selectedAmount);
      await store.insertUse(tx, { couponId: taken.id, userId: use.userId, orderId: use.orderId, discount });
      forget(tx, c, taken.id, use.userId);
      return { code: c, discount };
    },

    async release(orderId, tx) {
      const released = await store.release(tx, orderId);
      if (!released) return false;
      forget(tx, released.code, released.couponId, released.userId);
      return true;
    },
  };
}
