import type { Transaction } from 'sequelize';
import type { PublicStock } from '@zjmall/contracts';
import { createCoalescer, DomainError, inTransaction, retryOnDeadlock, type Settled } from '@zjmall/platform';
import { linesAfter, planAdds, type AddPlan, type AddRequest } from './add-plan';
import { ownerKey, type Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartServiceDeps, CartSnapshot } from './types';

export type { AddRequest } from './add-plan';

export interface AddResult {
  snapshot: CartSnapshot;
  /** Public stock of the batch's SKUs as its transaction left them (read under their row locks). */
  stock: PublicStock[];
}

/** A batch's work inside its transaction: what to answer, and what to do after the commit. */
interface Written {
  outcomes: Settled<AddResult>[];
  plans: AddPlan[];
}

/**
 * cart.addItem's one write path. Every add — coalesced with other carts' adds, alone with an
 * idempotency key, or again alone after its batch failed as a whole — is a batch (of one, then)
 * through `write`: lock (or create) the carts with their lines (`store.lockCarts`, cart id order),
 * plan (`planAdds`: the limits; then purchase limits, only for a SKU with one in force), secure the stock (customers' holds through inventory's
 * `reserveEach`: one Redlock acquisition over the batch's SKUs, the conditional UPDATE as the
 * fence; guests' free stock checked), write the lines (`store.writeLines`, one statement) and the
 * `cart.changed` rows. Each add is decided on its own: one refused (QUANTITY_LIMIT,
 * CART_LINE_LIMIT, INSUFFICIENT_STOCK) changes nothing — the lock's touch of its cart is taken back
 * — and fails alone. After the commit, before anyone is answered: the carts' and SKUs' cache
 * entries go (here, in Redis, in every process) and due hold extensions run.
 */
export function createAddWriter(deps: CartServiceDeps, store: CartStore, m: Mutator) {
  const { db, outbox, inventory, log } = deps;

  /** Sets the customers' holds to their lines' new quantities and checks the guests' adds against free stock. */
  async function secureStock(tx: Transaction, plans: AddPlan[]): Promise<PublicStock[]> {
    const stock = new Map<string, PublicStock>();
    const holding = plans.filter((p) => !p.failed && p.holdSeconds > 0);
    if (holding.length) {
      const reserved = await inventory.reserveEach(
        holding.map((p) => ({
          owner: { type: 'cart' as const, id: p.cart.cartId },
          lines: [{ skuId: p.req.sku.skuId, quantity: p.quantity }],
          ttlSeconds: p.holdSeconds,
        })),
        { tx },
      );
      reserved.outcomes.forEach((o, i) => {
        if (!o.ok) holding[i].failed = o.error;
      });
      for (const s of reserved.stock) stock.set(s.skuId, s);
    }
    const checking = plans.filter((p) => !p.failed && p.holdSeconds === 0);
    if (checking.length) {
      const free = await inventory.getPublic([...new Set(checking.map((p) => p.req.sku.skuId))], { transaction: tx });
      for (const s of free) stock.set(s.skuId, s);
      for (const p of checking) {
        const available = stock.get(p.req.sku.skuId)?.available ?? 0;
        if (available < p.quantity) {
          p.failed = new DomainError('INSUFFICIENT_STOCK', 'Not enough stock', {
            skuId: p.req.sku.skuId,
            requested: p.quantity,
            available,
          });
        }
      }
    }
    return [...stock.values()];
  }

  /** The accepted adds' lines and events; the refused adds' carts get the lock's touch back. */
  async function writeLines(tx: Transaction, plans: AddPlan[]): Promise<Settled<AddResult>[]> {
    const ok = plans.filter((p) => !p.failed);
    const inserted = await store.writeLines(
      tx,
      ok
        .filter((p) => !p.existing)
        .map((p) => ({ cart: p.cart, skuId: p.req.sku.skuId, quantity: p.quantity, addedPrice: p.req.sku.price })),
      // A new add of a SKU already in the cart agrees to its price now: the line takes it.
      ok
        .filter((p) => p.existing)
        .map((p) => ({ cart: p.cart, itemId: p.existing!.id, quantity: p.quantity, addedPrice: p.req.sku.price })),
      plans.filter((p) => p.failed).map((p) => p.cart),
    );
    if (ok.length)
      await outbox.add(
        tx,
        ok.map((p) => m.changed(p.cart.cartId, p.req.owner, 'add')),
      );
    return plans.map((p): Settled<AddResult> => {
      if (p.failed) return { ok: false, error: p.failed };
      const c = p.cart;
      const lines = linesAfter(p, inserted.get(`${c.cartId}:${p.req.sku.skuId}`));
      return {
        ok: true,
        result: {
          snapshot: { cartId: c.cartId, holdsUntil: c.holdsUntil, couponCode: c.couponCode, lines },
          stock: [],
        },
      };
    });
  }

  /** A batch of adds (one per cart) in `tx`. */
  async function write(tx: Transaction, batch: AddRequest[]): Promise<Written> {
    const locked = await store.lockCarts(
      tx,
      batch.map((r) => ({ owner: r.owner, holdSeconds: m.holdSeconds(r.owner), create: true })),
      m.extendSlack,
    );
    const plans = planAdds(batch, (owner) => locked.get(ownerKey(owner))!, m);
    await m.purchaseLimits.checkAdds(tx, plans);
    const stock = await secureStock(tx, plans);
    const outcomes = await writeLines(tx, plans);
    return { plans, outcomes: outcomes.map((o) => (o.ok ? { ok: true, result: { ...o.result, stock } } : o)) };
  }

  /**
   * After the commit: cache entries go before anyone is answered (one delete and one broadcast for
   * the batch); due extensions of the other holds run for the carts whose add went through. The adds
   * are committed whatever happens here: a failure is logged, not reported as a failed add (a
   * client told so would add again), and never re-runs them.
   */
  async function settle(written: Written): Promise<void> {
    try {
      await m.afterCommit(
        written.plans.map((p) => p.req.owner),
        written.plans.map((p) => ({
          owner: p.req.owner,
          cartId: p.cart.cartId,
          lines: p.failed || p.existing ? p.cart.lines.length : p.cart.lines.length + 1,
          due: !p.failed && p.cart.extendDue,
        })),
      );
    } catch (err) {
      log.error(
        { err, adds: written.plans.length },
        'cart cache invalidation after adds failed (the adds are committed; cached carts expire)',
      );
    }
  }

  /**
   * One add as a batch of one, in a transaction `open` begins and ends (addItem's idempotency wraps
   * it; default a plain one). A refused add throws inside it, so nothing of it (the idempotency key
   * row included) is kept. Null when `open` did not run the work (a repeated idempotency key).
   */
  async function alone(
    req: AddRequest,
    open: (work: (tx: Transaction) => Promise<void>) => Promise<unknown> = (work) => inTransaction(db, work),
  ): Promise<AddResult | null> {
    let written: Written | undefined;
    await retryOnDeadlock(() =>
      open(async (tx) => {
        written = undefined;
        const w = await write(tx, [req]);
        const [o] = w.outcomes;
        if (!o.ok) throw o.error;
        written = w;
      }),
    );
    if (!written) return null;
    await settle(written);
    const [o] = written.outcomes;
    if (!o.ok) throw o.error;
    return o.result;
  }

  /** `alone` for the batcher: never null (a plain transaction always runs its work). */
  async function single(req: AddRequest): Promise<AddResult> {
    const r = await alone(req);
    if (!r) throw new Error('cart add: its transaction did not run');
    return r;
  }

  async function runBatch(batch: AddRequest[]): Promise<Settled<AddResult>[]> {
    if (batch.length === 1) return [await single(batch[0]).then(ok, fail)];
    const state = { committing: false };
    let written: Written;
    try {
      written = await inTransaction(db, async (tx) => {
        const w = await write(tx, batch);
        state.committing = true;
        return w;
      });
    } catch (err) {
      // Failed before its COMMIT (a deadlock with another writer, a lost connection): nothing was
      // written, so each add goes again, alone (a batch of one), so no add fails for a neighbour's
      // sake. A failure after the work (the held events' write, the COMMIT itself, which may have
      // committed): then the adds fail, never re-run.
      if (state.committing) throw err;
      log.warn({ err, adds: batch.length }, 'batched cart adds failed together; retrying them one by one');
      return Promise.all(batch.map((req) => single(req).then(ok, fail)));
    }
    await settle(written);
    return written.outcomes;
  }

  const coalescer = createCoalescer<AddRequest, AddResult>({
    maxBatch: 64,
    maxInFlight: 4,
    perKey: 1,
    run: (_keys, batch) => runBatch(batch),
  });

  return {
    /** An add coalesced with other carts' adds (those that arrive while a batch is in flight). */
    submit: (req: AddRequest): Promise<AddResult> => coalescer.submit(ownerKey(req.owner), req),
    alone,
  };
}

const ok = (result: AddResult): Settled<AddResult> => ({ ok: true, result });
const fail = (error: unknown): Settled<AddResult> => ({ ok: false, error });
