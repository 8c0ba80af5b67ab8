import type { PublicStock } from '@zjmall/contracts';
import type { SkuView } from '@zjmall/catalog';
import { createCoalescer, DomainError, type Settled } from '@zjmall/platform';
import type { Mutator } from './cart.mutation';
import type { CartStore } from './cart.store';
import type { CartLine, CartOwner, CartServiceDeps, CartSnapshot } from './types';

/** One add waiting for its batch: the SKU was checked (exists, for sale) before it queued. */
export interface AddRequest {
  owner: CartOwner;
  sku: SkuView;
  quantity: number;
}

export interface AddResult {
  snapshot: CartSnapshot;
  /** Public stock of the batch's SKUs as its transaction left them (read under their row locks). */
  stock: PublicStock[];
}

interface Planned {
  req: AddRequest;
  cartId: string;
  lines: CartLine[];
  existing: CartLine | undefined;
  quantity: number;
  holdSeconds: number;
  failed?: unknown;
}

const ownerKey = (o: CartOwner) => `${o.type}:${o.id}`;

/**
 * cart.addItem without an idempotency key, coalesced across carts (docs/architecture.md, Performance: "more
 * per commit, not more locks"). Adds that arrive while a batch is in flight queue per cart; the next
 * batch takes one add per cart and does, for all of them, in one transaction of a handful of
 * statements: lock (or create) the carts in id order, read their lines, check the limits, hold stock
 * (inventory's reserveEach: one Redlock acquisition over the batch's SKUs, the conditional UPDATE as
 * the fence) or, for guests, check it, write the lines and the `cart.changed` events. Each add is
 * decided on its own: one refused (QUANTITY_LIMIT, CART_LINE_LIMIT, INSUFFICIENT_STOCK) changes
 * nothing and fails alone. Then, before anyone is answered: the carts' and SKUs' cache entries go
 * (here, in Redis, in every process) and due hold extensions run — as in the single-cart path.
 *
 * A batch whose transaction fails as a whole before its COMMIT (a deadlock with another writer, a
 * lost connection) is retried add by add through the single-cart path, so no add fails for a
 * neighbour's sake; nothing committed is ever re-run.
 */
export function createAddBatcher(
  deps: CartServiceDeps,
  store: CartStore,
  m: Mutator,
  single: (req: AddRequest) => Promise<CartSnapshot>,
) {
  const { db, outbox, inventory, log } = deps;

  /** The batch's transaction; `state.committing` is set once its work is done and COMMIT is next. */
  function write(batch: AddRequest[], state: { committing: boolean }) {
    return db.transaction(async (tx) => {
      const locked = await store.lockActiveMany(
        batch.map((r) => ({ owner: r.owner, holdSeconds: m.holdSeconds(r.owner) })),
        tx,
        m.extendSlack,
      );
      const cartOf = (r: AddRequest) => locked.get(ownerKey(r.owner))!;
      // Lines came with the locks, except for carts whose lock was waited for (read again now).
      const stale = [...locked.values()].filter((c) => c.lines === null).map((c) => c.cartId);
      const reread = stale.length ? await store.linesOf(stale, tx) : new Map<string, CartLine[]>();
      const linesByCart = new Map([...locked.values()].map((c) => [c.cartId, c.lines ?? reread.get(c.cartId) ?? []]));

      const plans: Planned[] = batch.map((req) => {
        const cartId = cartOf(req).cartId;
        const lines = linesByCart.get(cartId) ?? [];
        const existing = lines.find((l) => l.skuId === req.sku.skuId);
        const quantity = (existing?.quantity ?? 0) + req.quantity;
        const p: Planned = { req, cartId, lines, existing, quantity, holdSeconds: m.holdSeconds(req.owner) };
        try {
          m.limits.quantity(req.sku.skuId, quantity);
          if (!existing) m.limits.lines(lines.length + 1);
        } catch (e) {
          p.failed = e;
        }
        return p;
      });

      // Stock: holds for signed-in customers (each cart's hold set to its line's new quantity), a check for guests.
      const stock = new Map<string, PublicStock>();
      const holding = plans.filter((p) => !p.failed && p.holdSeconds > 0);
      if (holding.length) {
        const reserved = await inventory.reserveEach(
          holding.map((p) => ({
            owner: { type: 'cart' as const, id: p.cartId },
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

      const ok = plans.filter((p) => !p.failed);
      // A refused add leaves its cart as it was: the lock's touch of holds_until is put back, and a
      // cart created for it goes (one add per cart per batch, so nothing else of the batch is there).
      const inserted = await store.writeLines(
        tx,
        ok
          .filter((p) => !p.existing)
          .map((p) => ({
            cartId: p.cartId,
            skuId: p.req.sku.skuId,
            quantity: p.quantity,
            addedPrice: p.req.sku.price,
          })),
        ok.filter((p) => p.existing).map((p) => ({ itemId: p.existing!.id, quantity: p.quantity })),
        plans.filter((p) => p.failed).map((p) => ({ cartId: p.cartId, how: cartOf(p.req).untouch })),
      );
      if (ok.length)
        await outbox.add(
          tx,
          ok.map((p) => m.changed(p.cartId, p.req.owner, 'add')),
        );

      const outcomes = plans.map((p): Settled<AddResult> => {
        if (p.failed) return { ok: false, error: p.failed };
        const c = cartOf(p.req);
        const lines = p.existing
          ? p.lines.map((l) => (l === p.existing ? { ...l, quantity: p.quantity } : l))
          : [lineOf(inserted, p), ...p.lines];
        return {
          ok: true,
          result: {
            snapshot: { cartId: p.cartId, holdsUntil: c.holdsUntil, couponCode: c.couponCode, lines },
            stock: [],
          },
        };
      });
      state.committing = true;
      return { outcomes, stock: [...stock.values()], locked, plans };
    });
  }

  async function runBatch(batch: AddRequest[]): Promise<Settled<AddResult>[]> {
    const state = { committing: false };
    let result: Awaited<ReturnType<typeof write>>;
    try {
      result = await write(batch, state);
    } catch (err) {
      // Failed before its COMMIT (a deadlock with another writer, a lost connection): nothing was
      // written, so each add goes again on its own through the single-cart path. A failure of the
      // COMMIT itself may have committed: then the adds fail (as a single add's would), never re-run.
      if (batch.length === 1 || state.committing) throw err;
      log.warn({ err, adds: batch.length }, 'batched cart adds failed together; retrying them one by one');
      return Promise.all(
        batch.map(async (req): Promise<Settled<AddResult>> => {
          try {
            return { ok: true, result: { snapshot: await single(req), stock: [] } };
          } catch (error) {
            return { ok: false, error };
          }
        }),
      );
    }

    // Committed. Cache entries go before anyone is answered (one delete and one broadcast for the
    // batch); due extensions of the other holds run for the carts whose add went through (a refused
    // add's cart got its holds_until back).
    // The adds are committed whatever happens here: a failure is logged, not reported as a failed
    // add (a client told so would add again), and never re-runs them.
    try {
      await m.afterCommit(
        result.plans.map((p) => p.req.owner),
        result.plans.map((p) => ({
          owner: p.req.owner,
          cartId: p.cartId,
          lines: p.failed || p.existing ? p.lines.length : p.lines.length + 1,
          due: !p.failed && result.locked.get(ownerKey(p.req.owner))!.extendDue,
        })),
      );
    } catch (err) {
      log.error(
        { err, adds: batch.length },
        'cart cache invalidation after batched adds failed (the adds are committed; cached carts expire)',
      );
    }
    const stock = result.stock;
    return result.outcomes.map((o) => (o.ok ? { ok: true, result: { ...o.result, stock } } : o));
  }

  const coalescer = createCoalescer<AddRequest, AddResult>({
    maxBatch: 64,
    maxInFlight: 4,
    perKey: 1,
    run: (_keys, batch) => runBatch(batch),
  });

  return {
    add: (req: AddRequest): Promise<AddResult> => coalescer.submit(ownerKey(req.owner), req),
  };
}

/** This add's new line among the batch's inserts (keyed by cart and SKU: unique per cart). */
function lineOf(inserted: Map<string, CartLine>, p: Planned): CartLine {
  const l = inserted.get(`${p.cartId}:${p.req.sku.skuId}`);
  if (!l) throw new Error(`inserted line for ${p.req.sku.skuId} in cart ${p.cartId} missing`);
  return l;
}
