import type { Transaction } from 'sequelize';
import { EVENTS, type CartChangedV1 } from '@zjmall/contracts';
import { DomainError, retryOnDeadlock } from '@zjmall/platform';
import type { CartCache } from './cart.cache';
import type { CartStore, LockedCart } from './cart.store';
import { createLimitGuard } from './purchase-limits';
import type { CartLine, CartOwner, CartServiceDeps, CartSnapshot, TxRunner } from './types';

export interface MutationScope {
  tx: Transaction;
  owner: CartOwner;
  cartId: string;
  /** The cart as locked (the line writers of the store take it). */
  cart: LockedCart;
  /** The cart's lines, read under its row lock. */
  lines: CartLine[];
}

export interface MutationOutcome {
  /** The lines after the change (the handler keeps them in step with what it wrote). */
  lines: CartLine[];
  /** The cart is no longer active (cleared). */
  closed?: boolean;
  /** The applied coupon after the change, when the handler changed it (default: as it was). */
  couponCode?: string | null;
}

export interface MutateOptions {
  reason: string;
  /** Start a cart when the owner has none (adds); otherwise `missing` decides. */
  create: boolean;
  /** No active cart and `create` false: throw, or answer the empty cart. */
  missing: 'empty' | (() => DomainError);
  /** The transaction to run in (addItem's idempotency wraps it); default db.transaction. */
  run?: TxRunner;
}

/**
 * Every cart write goes through here: lock (or start) the owner's active cart, let the handler
 * change it, record `cart.changed` in the same transaction; after commit, drop the cached lines
 * (here, in Redis and in every process) and extend the cart's holds — all before answering.
 */
export function createMutator(deps: CartServiceDeps, store: CartStore, cartCache: CartCache) {
  const { db, outbox, inventory, config, log } = deps;

  /** Seconds a change holds stock for: signed-in customers only, with holds on. */
  const holdSeconds = (owner: CartOwner) =>
    owner.type === 'user' && config.CART_HOLD_TTL_SECONDS > 0 ? config.CART_HOLD_TTL_SECONDS : 0;
  /**
   * The other holds are extended when a change would move their expiry by more than this: at most
   * once a minute (a tenth of the TTL when shorter), not on every add — an extension is a second
   * transaction locking every stock row of the cart.
   */
  const extendSlack = Math.min(60, config.CART_HOLD_TTL_SECONDS / 10);

  const limits = {
    quantity(skuId: string, requested: number) {
      if (requested > config.CART_MAX_QUANTITY) {
        throw new DomainError('QUANTITY_LIMIT', `At most ${config.CART_MAX_QUANTITY} of one item`, {
          skuId,
          requested,
          max: config.CART_MAX_QUANTITY,
        });
      }
    },
    lines(count: number) {
      if (count > config.CART_MAX_LINES) {
        throw new DomainError('CART_LINE_LIMIT', `At most ${config.CART_MAX_LINES} lines in a cart`, {
          max: config.CART_MAX_LINES,
        });
      }
    },
  };

  /**
   * Makes sure the new quantities are in stock: with holds, by setting the cart's holds (in the
   * cart's transaction: both commit or neither); without, by checking free stock for increases.
   */
  async function secure(
    s: Pick<MutationScope, 'tx' | 'owner' | 'cartId'>,
    changes: { skuId: string; quantity: number; previous: number }[],
  ): Promise<void> {
    if (changes.length === 0) return;
    const seconds = holdSeconds(s.owner);
    if (seconds > 0) {
      await inventory.reserve(
        { type: 'cart', id: s.cartId },
        changes.map((c) => ({ skuId: c.skuId, quantity: c.quantity })),
        { tx: s.tx, ttlSeconds: seconds },
      );
      return;
    }
    const increases = changes.filter((c) => c.quantity > c.previous);
    if (increases.length === 0) return;
    const stock = new Map(
      (
        await inventory.getPublic(
          increases.map((c) => c.skuId),
          { transaction: s.tx },
        )
      ).map((p) => [p.skuId, p.available]),
    );
    for (const c of increases) {
      const available = stock.get(c.skuId) ?? 0;
      if (available < c.quantity)
        throw new DomainError('INSUFFICIENT_STOCK', 'Not enough stock', {
          skuId: c.skuId,
          requested: c.quantity,
          available,
        });
    }
  }

  /** Lets go of the holds of SKUs that left the cart (all of them when `skuIds` is omitted). */
  async function releaseHolds(s: MutationScope, skuIds?: string[]): Promise<void> {
    if (holdSeconds(s.owner) === 0 || (skuIds && skuIds.length === 0)) return;
    await inventory.release({ type: 'cart', id: s.cartId }, skuIds, { tx: s.tx, reason: 'cart' });
  }

  type Extend = { owner: CartOwner; cartId: string; lines: number; due: boolean };

  async function afterCommit(owners: CartOwner[], extend: Extend | Extend[] | null): Promise<void> {
    await cartCache.invalidate(owners);
    // The changed SKUs got a fresh expiry from reserve; the others are extended (one line: nothing left).
    const due = (Array.isArray(extend) ? extend : extend ? [extend] : []).filter(
      (e) => e.due && e.lines > 1 && holdSeconds(e.owner) > 0,
    );
    await Promise.all(
      due.map((e) =>
        inventory
          .extend({ type: 'cart', id: e.cartId }, holdSeconds(e.owner))
          .catch((err: unknown) => log.warn({ err, cartId: e.cartId }, 'extending cart holds failed')),
      ),
    );
  }

  const changed = (cartId: string, owner: CartOwner, reason: string) => ({
    type: EVENTS.cart.changed,
    aggregateId: cartId,
    data: { cartId, owner, reason } satisfies CartChangedV1,
    version: 1,
  });

  async function mutate(
    owner: CartOwner,
    opts: MutateOptions,
    fn: (s: MutationScope) => Promise<MutationOutcome>,
  ): Promise<CartSnapshot> {
    const run: TxRunner = opts.run ?? ((f) => db.transaction(f));
    // Every cart write locks the cart row before stock rows, as checkout does; should a deadlock
    // still happen, the whole transaction is rolled back and run again rather than failing the call.
    const once = () =>
      run(async (tx) => {
        const locked = (
          await store.lockCarts(tx, [{ owner, create: opts.create, holdSeconds: holdSeconds(owner) }], extendSlack)
        ).get(ownerKey(owner));
        if (!locked) {
          if (opts.missing === 'empty') return null;
          throw opts.missing();
        }
        const out = await fn({ tx, owner, cartId: locked.cartId, cart: locked, lines: locked.lines });
        await outbox.add(tx, changed(locked.cartId, owner, opts.reason));
        const snapshot: CartSnapshot = out.closed
          ? { cartId: null, holdsUntil: null, couponCode: null, lines: [] }
          : {
              cartId: locked.cartId,
              holdsUntil: locked.holdsUntil,
              couponCode: out.couponCode !== undefined ? out.couponCode : locked.couponCode,
              lines: out.lines,
            };
        return { snapshot, cartId: locked.cartId, due: locked.extendDue };
      });
    const result = await retryOnDeadlock(once);
    if (!result) return { cartId: null, holdsUntil: null, couponCode: null, lines: [] };
    await afterCommit(
      [owner],
      result.snapshot.cartId
        ? { owner, cartId: result.cartId, lines: result.snapshot.lines.length, due: result.due }
        : null,
    );
    return result.snapshot;
  }

  /** Purchase limits (purchase-limits.ts): checked after the cart row is locked, before the stock. */
  const purchaseLimits = createLimitGuard(deps);

  return { mutate, secure, releaseHolds, holdSeconds, extendSlack, limits, purchaseLimits, afterCommit, changed };
}

export type Mutator = ReturnType<typeof createMutator>;

/** The key `lockCarts` answers an owner's cart under. */
export const ownerKey = (o: CartOwner) => `${o.type}:${o.id}`;

/** CART_ITEM_NOT_FOUND for ids that are not lines of the caller's active cart (another owner's included). */
export function linesById(lines: CartLine[], itemIds: string[]): CartLine[] {
  const byId = new Map(lines.map((l) => [l.id, l]));
  const unique = [...new Set(itemIds)];
  const missing = unique.filter((id) => !byId.has(id));
  if (missing.length) throw new DomainError('CART_ITEM_NOT_FOUND', 'No such item in your cart', { itemIds: missing });
  return unique.map((id) => byId.get(id)!);
}

export const itemNotFound = () => new DomainError('CART_ITEM_NOT_FOUND', 'No such item in your cart');
