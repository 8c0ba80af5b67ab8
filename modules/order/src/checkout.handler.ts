import type { Transaction } from 'sequelize';
import {
  EVENTS,
  ORDER_EVENT_VERSION,
  type AdminOrder,
  type CheckoutInput,
  type Order,
  type OrderAddress,
  type OrderCreatedV1,
  type PriceChangedDetails,
} from '@zjmall/contracts';
import { DomainError, newId, retryOnDeadlock, withIdempotency } from '@zjmall/platform';
import { limitInForce, type SkuView } from '@zjmall/catalog';
import { ORDER_NO_SQL } from './order-number';
import { iso, select, type CartCheckoutLine, type OrderDeps } from './order.deps';
import { customerView, loadOrder } from './order.view';
import { priceLines, type PricedLine, type Totals } from './pricing';
import { createPurchaseCounter } from './purchases';

interface Prepared {
  cartId: string;
  itemIds: string[];
  address: OrderAddress;
  lines: (PricedLine & { sku: SkuView })[];
  totals: Totals;
  /** The coupon as quoted before the transaction (normalized code); redeemed in it. */
  coupon: { code: string; discount: number } | null;
}

/**
 * `order.checkout`. Everything that reads other modules (cart, catalog, address) happens before the
 * transaction, so a checkout never holds a connection while waiting for another one; the
 * transaction then holds the idempotency key, moves the cart holds to the order, reserves the rest,
 * and writes order + items + first log row + outbox event + the cart's removal of the bought lines,
 * and last takes the coupon's use (pricing's fence), so a coupon that ran out rolls all of it back.
 */
export function checkoutHandler(deps: OrderDeps) {
  const { db, config, catalog, identity, cart, inventory, outbox, coupons } = deps;
  const purchases = createPurchaseCounter(deps);

  /**
   * PURCHASE_LIMIT when the order would take a customer past a SKU's limit: the units ordered plus
   * their other orders counted against it. Only SKUs whose limit is in force cost anything (the
   * SKU views are at hand); then under the customer's purchase-limit lock, taken after the cart
   * row and before the stock (lock order), so two checkouts — or a checkout and an add — of one
   * customer count one after the other, each seeing the other's committed order.
   */
  async function assertPurchaseLimits(tx: Transaction, userId: string, orderId: string, p: Prepared): Promise<void> {
    const now = Date.now();
    const limited = p.lines.flatMap((l) => {
      const f = limitInForce(l.sku.purchaseLimit, now);
      return f ? [{ line: l, ...f }] : [];
    });
    if (limited.length === 0) return;
    const bought = await purchases.unitsBought(
      userId,
      limited.map((x) => ({ skuId: x.line.skuId, since: x.since })),
      { tx, lock: true, excludeOrderId: orderId },
    );
    for (const x of limited) {
      const alreadyBought = bought.get(x.line.skuId) ?? 0;
      if (alreadyBought + x.line.quantity > x.limit)
        throw new DomainError('PURCHASE_LIMIT', `At most ${x.limit} of this item per customer`, {
          skuId: x.line.skuId,
          limit: x.limit,
          alreadyBought,
          inCart: x.line.quantity,
          requested: x.line.quantity,
        });
    }
  }

  /**
   * The SKUs among `rose` (their price now is above a line's agreed price) whose price changed less
   * than PRICE_HONOR_SECONDS ago — `priceSince`, catalog's time of the last change of the current
   * price — by the database's clock. Nothing is asked with the window off or without a rise.
   */
  async function honoured(rose: SkuView[]): Promise<string[]> {
    const seconds = config.PRICE_HONOR_SECONDS;
    // A SKU view cached before catalog knew priceSince has none: no window for it.
    const known = rose.filter((s) => typeof s.priceSince === 'string');
    if (seconds <= 0 || known.length === 0) return [];
    const rows = await select<{ sku_id: string }>(
      db,
      `SELECT t.sku_id FROM unnest($1::uuid[], $2::timestamptz[]) AS t(sku_id, since)
        WHERE t.since + make_interval(secs => $3) > now()`,
      [known.map((s) => s.skuId), known.map((s) => s.priceSince), seconds],
    );
    return rows.map((r) => r.sku_id);
  }

  async function prepare(userId: string, input: CheckoutInput): Promise<Prepared> {
    const [view, addresses] = await Promise.all([
      cart.checkoutView(userId, input.itemIds),
      identity.listAddresses(userId),
    ]);
    const addr = addresses.find((a) => a.id === input.addressId);
    if (!addr) throw new DomainError('ADDRESS_NOT_FOUND', 'Address not found', { addressId: input.addressId });
    const chosen = view.lines.filter((l) => (input.itemIds ? true : l.selected));
    if (chosen.length === 0) throw new DomainError('CART_EMPTY', 'Nothing is selected to check out');
    const merged = mergeBySku(chosen);
    const skus = new Map((await catalog.getSkus(merged.map((l) => l.skuId))).map((s) => [s.skuId, s]));
    for (const l of merged) {
      const s = skus.get(l.skuId);
      if (!s || !s.availableForSale)
        throw new DomainError('SKU_UNAVAILABLE', 'A product in the cart is no longer for sale', { skuId: l.skuId });
    }
    // The price-drift policy: a line is sold at the SKU's price now when that is at most the price the
    // customer agreed to (the cart line's addedPrice; a decrease passes at the lower price); a price
    // that rose above it is refused (PRICE_CHANGED) until the customer accepts it in the cart — unless
    // it rose less than PRICE_HONOR_SECONDS ago: then it is sold at the agreed price.
    const charged = merged.map((l) => {
      const current = skus.get(l.skuId)!.price;
      return { ...l, current, unitPrice: current, rose: current > l.agreed };
    });
    for (const l of await honoured(charged.filter((c) => c.rose).map((c) => skus.get(c.skuId)!))) {
      const c = charged.find((x) => x.skuId === l)!;
      c.unitPrice = c.agreed;
      c.rose = false;
    }
    const priced = charged.map((l) => ({ skuId: l.skuId, unitPrice: l.unitPrice, quantity: l.quantity }));
    // The coupon given, else the cart's; judged on the bought lines at the prices charged (COUPON_INVALID
    // here orders nothing), then allocated to the lines (largest remainder).
    const code = input.couponCode ?? view.couponCode ?? null;
    const itemsAmount = priced.reduce((n, l) => n + l.unitPrice * l.quantity, 0);
    const coupon = code ? await coupons.quote(code, { userId, selectedAmount: itemsAmount }) : null;
    const { lines, totals } = priceLines(priced, coupon?.discount ?? 0, config.SHIPPING_FLAT_FEE);
    const rose = charged.some((l) => l.rose);
    if (rose || (input.expectedPayable !== undefined && input.expectedPayable !== totals.payableAmount)) {
      const details: PriceChangedDetails = {
        totals: {
          itemsAmount: totals.itemsAmount,
          discountAmount: totals.discountAmount,
          shippingAmount: totals.shippingAmount,
          payableAmount: totals.payableAmount,
        },
        currency: config.STORE_CURRENCY,
        lines: charged
          .filter((l) => l.unitPrice !== l.agreed)
          .flatMap((l) =>
            l.itemIds.map((itemId) => ({ itemId, skuId: l.skuId, seenPrice: l.agreed, currentPrice: l.unitPrice })),
          ),
      };
      throw new DomainError(
        'PRICE_CHANGED',
        rose ? 'A price rose since it was added to the cart' : 'Prices changed since the cart was shown',
        details,
      );
    }
    const { receiver, phone, province, city, district, detail } = addr;
    return {
      cartId: view.cartId,
      itemIds: chosen.map((l) => l.itemId),
      address: { receiver, phone, province, city, district, detail },
      lines: lines.map((l) => ({ ...l, sku: skus.get(l.skuId)! })),
      totals,
      coupon,
    };
  }

  type Written = { order_no: string; created_at: Date; expires_at: Date; log_at: Date };

  /** Order, items and first log row in one statement (the items' and log's foreign keys are checked at its end). */
  async function insertOrder(tx: Transaction, orderId: string, userId: string, p: Prepared): Promise<Written> {
    // The order number is drawn in the statement (order-number.ts).
    const values: string[] = [];
    const bind: unknown[] = [
      orderId,
      config.STORE_TIMEZONE,
      userId,
      config.STORE_CURRENCY,
      p.totals.itemsAmount,
      p.totals.discountAmount,
      p.totals.shippingAmount,
      p.totals.payableAmount,
      JSON.stringify(p.address),
      p.cartId,
      config.ORDER_PAYMENT_TTL_SECONDS,
      p.coupon?.code ?? null,
      newId(),
      'checkout',
    ];
    p.lines.forEach((l, i) => {
      const b = bind.length;
      values.push(
        `($${b + 1}::uuid, $1::uuid, ${i + 1}, $${b + 2}::uuid, $${b + 3}::uuid, $${b + 4}, $${b + 5}, $${b + 6}::jsonb, $${b + 7}::bigint, $${b + 8}::int, $${b + 9}::bigint, $${b + 10}::bigint, $${b + 11}::bigint)`,
      );
      bind.push(
        newId(),
        l.skuId,
        l.sku.productId,
        l.sku.productName,
        l.sku.image,
        JSON.stringify(l.sku.spec),
        l.unitPrice,
        l.quantity,
        l.subtotal,
        l.discount,
        l.paid,
      );
    });
    const [row] = await select<Written>(
      db,
      `WITH o AS (
         INSERT INTO "order".orders (id, order_no, user_id, status, currency, items_amount, discount_amount, shipping_amount,
           payable_amount, address, cart_id, expires_at, coupon_code)
         VALUES ($1, ${ORDER_NO_SQL('$2')}, $3, 'pending_payment', $4, $5, $6, $7, $8, $9::jsonb, $10, now() + make_interval(secs => $11), $12)
         RETURNING order_no, created_at, expires_at
       ), i AS (
         INSERT INTO "order".order_items (id, order_id, line_no, sku_id, product_id, product_name, image, spec, unit_price, quantity,
           subtotal, discount, paid) VALUES ${values.join(', ')}
         RETURNING 1
       ), l AS (
         INSERT INTO "order".order_log (id, order_id, from_status, to_status, actor, reason)
         VALUES ($13, $1, NULL, 'pending_payment', $3, $14)
         RETURNING at
       )
       SELECT o.order_no, o.created_at, o.expires_at, l.at AS log_at, (SELECT count(*) FROM i)::int AS items FROM o, l`,
      bind,
      tx,
    );
    return row;
  }

  /** The order as written, as order.get would read it (the answer needs no read after the commit). */
  function asWritten(orderId: string, userId: string, p: Prepared, row: Written): AdminOrder {
    return {
      id: orderId,
      userId,
      orderNo: row.order_no,
      status: 'pending_payment',
      items: p.lines.map((l) => ({
        skuId: l.skuId,
        productId: l.sku.productId,
        productName: l.sku.productName,
        image: l.sku.image,
        spec: l.sku.spec,
        unitPrice: l.unitPrice,
        quantity: l.quantity,
        subtotal: l.subtotal,
        discount: l.discount,
        paid: l.paid,
        refundedQuantity: 0,
      })),
      itemsAmount: p.totals.itemsAmount,
      discountAmount: p.totals.discountAmount,
      shippingAmount: p.totals.shippingAmount,
      payableAmount: p.totals.payableAmount,
      paidAmount: 0,
      refundStatus: 'none',
      refundedAmount: 0,
      currency: config.STORE_CURRENCY,
      address: p.address,
      couponCode: p.coupon?.code ?? null,
      carrier: null,
      trackingNo: null,
      createdAt: iso(row.created_at)!,
      paidAt: null,
      expiresAt: iso(row.expires_at)!,
      cancelledAt: null,
      log: [
        {
          from: null,
          to: 'pending_payment',
          refundStatus: null,
          at: iso(row.log_at)!,
          actor: userId,
          reason: 'checkout',
        },
      ],
    };
  }

  /** `order.created` for the order as written. */
  function created(order: AdminOrder, p: Prepared, row: Written): OrderCreatedV1 {
    return {
      orderId: order.id,
      orderNo: order.orderNo,
      userId: order.userId,
      status: 'pending_payment',
      refundStatus: 'none',
      refundedAmount: 0,
      at: new Date(row.created_at).toISOString(),
      payableAmount: p.totals.payableAmount,
      currency: config.STORE_CURRENCY,
      items: p.lines.map((l) => ({ skuId: l.skuId, quantity: l.quantity, paid: l.paid })),
      expiresAt: new Date(row.expires_at).toISOString(),
    };
  }

  /**
   * The checkout's writes, in the lock order (docs/architecture.md): the order (its row is new),
   * the cart's removal of the bought lines (cart row), the purchase limits (the customer's lock, only
   * with a limited SKU), the stock (the cart's holds become the
   * order's and the rest is reserved: one Redlock acquisition before any stock row), last the
   * coupon's use (its row lock, held only until the commit that follows). `out.order` gets the order.
   */
  async function place(tx: Transaction, userId: string, p: Prepared, out: { order?: AdminOrder }): Promise<string> {
    const orderId = newId();
    const row = await insertOrder(tx, orderId, userId, p);
    const order = asWritten(orderId, userId, p, row);
    out.order = order;
    await outbox.add(tx, {
      type: EVENTS.order.created,
      aggregateId: orderId,
      data: created(order, p, row),
      version: ORDER_EVENT_VERSION,
    });
    await cart.removeOrderedLines(tx, p.cartId, p.itemIds, p.coupon?.code);
    await assertPurchaseLimits(tx, userId, orderId, p);
    await inventory.reserveFrom(
      { type: 'cart', id: p.cartId },
      { type: 'order', id: orderId },
      p.lines.map((l) => ({ skuId: l.skuId, quantity: l.quantity })),
      { tx, operator: userId },
    );
    // Coupon terms never change, so the discount is the quoted one.
    if (p.coupon) await coupons.redeem(p.coupon.code, { userId, orderId, selectedAmount: p.totals.itemsAmount }, tx);
    return orderId;
  }

  return async function checkout(userId: string, input: CheckoutInput): Promise<Order> {
    const { idempotencyKey, ...body } = input;
    // A failure while preparing is only reported once we know this is not a repeat of a key that
    // already placed an order (the repeat answers that order, even though the cart is now empty).
    let prepared: Prepared | null = null;
    let failure: unknown = null;
    try {
      prepared = await prepare(userId, input);
    } catch (e) {
      failure = e;
    }
    const out: { order?: AdminOrder } = {};
    const run = () =>
      withIdempotency(db, { scope: `user:${userId}:order.checkout`, key: idempotencyKey, input: body }, async (tx) => {
        if (!prepared) throw failure;
        return place(tx, userId, prepared, out);
      });
    // A checkout that moves some holds and reserves other SKUs can, rarely, lock stock rows in the
    // opposite order of another such checkout; PostgreSQL aborts one of them, which is retried.
    const orderId = await retryOnDeadlock(run);
    // The order this call placed is answered as written; a repeat of the key reads the first one.
    return customerView(out.order?.id === orderId ? out.order : await loadOrder(db, orderId, userId));
  };
}

/**
 * One line per SKU (a cart has one already; this keeps the order's (order, sku) key safe), with the
 * price the customer agreed to (the lowest of its lines', should there be several) and its line ids.
 */
function mergeBySku(
  lines: CartCheckoutLine[],
): { skuId: string; quantity: number; agreed: number; itemIds: string[] }[] {
  const m = new Map<string, { skuId: string; quantity: number; agreed: number; itemIds: string[] }>();
  for (const l of lines) {
    const had = m.get(l.skuId);
    if (!had) m.set(l.skuId, { skuId: l.skuId, quantity: l.quantity, agreed: l.addedPrice, itemIds: [l.itemId] });
    else {
      had.quantity += l.quantity;
      had.agreed = Math.min(had.agreed, l.addedPrice);
      had.itemIds.push(l.itemId);
    }
  }
  return [...m.values()];
}
