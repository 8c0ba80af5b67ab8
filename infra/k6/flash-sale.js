// Flash sale: one SKU with a small stock, FLASH_BUYERS signed-in customers (one VU each, all
// starting together) each trying once to add it, check out and pay. The only acceptable "no" is
// INSUFFICIENT_STOCK (409, counted in flash_sold_out, not a failed request or check); anything
// else fails a check. teardown() counts the SKU's orders: never more units than the stock, every
// unit sold when there were more buyers than units, and on-hand down by exactly what was paid.
// The BFF needs SANDBOX_PAYMENTS=true.
//
//   k6 run -e BASE_URL=… -e ADMIN_EMAIL=… -e ADMIN_PASSWORD=… infra/k6/flash-sale.js
//   env: FLASH_STOCK (50), FLASH_BUYERS (500), P95_MS (1500)
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';
import { envInt, expectOk, explain, must, mutation, postPlain, query, uid } from './lib/trpc.js';
import { adminToken, createProducts, registerBuyers } from './lib/fixtures.js';

const STOCK = envInt('FLASH_STOCK', 50);
const BUYERS = envInt('FLASH_BUYERS', 500);
const P95 = envInt('P95_MS', 1500);

const ordersMade = new Counter('flash_orders');
const soldOut = new Counter('flash_sold_out');
const unexpected = new Counter('flash_unexpected');

export const options = {
  scenarios: {
    // Every buyer at once, once: the burst a flash sale is.
    flash: { executor: 'per-vu-iterations', vus: BUYERS, iterations: 1, maxDuration: '3m' },
  },
  setupTimeout: '10m',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: [`p(95)<${P95}`],
    'http_req_duration{name:order.checkout}': [`p(95)<${P95}`],
    flash_unexpected: ['count==0'],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  const admin = adminToken();
  const { products } = createProducts(admin, 1, { stock: STOCK, price: 9900, label: 'flash' });
  // The server's clock, not this machine's: orders of the sale are those newer than the product.
  return { admin, skuId: products[0].skuId, startedAt: products[0].createdAt, buyers: registerBuyers(BUYERS) };
}

/** A call that may be refused for stock: 200 or INSUFFICIENT_STOCK, nothing else. */
function stockCall(r, name) {
  const soldOutAnswer = r.status === 409 && r.appCode === 'INSUFFICIENT_STOCK';
  const passed = check(r, { [`${name}: an answer or INSUFFICIENT_STOCK`]: (x) => x.ok || soldOutAnswer });
  if (!passed) {
    unexpected.add(1);
    console.warn(explain(r));
  }
  if (soldOutAnswer) soldOut.add(1);
  return r.ok ? r.data : undefined;
}

export default function (data) {
  const buyer = data.buyers[(__VU - 1) % data.buyers.length];
  const opts = { token: buyer.token, expect: [409] };

  // Signed-in customers hold stock at add-to-cart (CART_HOLD_TTL_SECONDS), so the race may be
  // lost here already; with holds off it is lost at checkout.
  const cart = group('add to cart', () =>
    stockCall(mutation('cart.addItem', { skuId: data.skuId, quantity: 1 }, opts), 'cart.addItem'),
  );
  if (!cart) return;
  const order = group('checkout', () =>
    stockCall(
      mutation('order.checkout', { addressId: buyer.addressId, idempotencyKey: `fs-${uid()}` }, opts),
      'order.checkout',
    ),
  );
  if (!order) return;
  ordersMade.add(1);

  group('pay', () => {
    const payment = expectOk(
      mutation(
        'payment.create',
        { orderId: order.id, channel: 'sandbox_wechat', idempotencyKey: `fsp-${uid()}` },
        { token: buyer.token },
      ),
      'payment.create: pending, for the order amount',
      (d) => d.status === 'pending' && d.amount === order.payableAmount,
    );
    if (!payment) return;
    const approved = postPlain(`/sandbox/pay/${payment.id}/approve`, 'sandbox.approve');
    check(approved, {
      'sandbox approve: the callback succeeded': (r) => r.status === 200 && r.json().outcome === 'succeeded',
    });
  });
}

/** Units of the sale's SKU in orders of `status` created since setup (order.admin.list is newest first). */
function unitsIn(data, status) {
  let units = 0;
  let cursor;
  for (;;) {
    const page = must(
      query('order.admin.list', cursor ? { status, limit: 100, cursor } : { status, limit: 100 }, {
        token: data.admin,
      }),
    );
    for (const o of page.items) {
      if (o.createdAt < data.startedAt) return units;
      for (const i of o.items) if (i.skuId === data.skuId) units += i.quantity;
    }
    if (!page.nextCursor) return units;
    cursor = page.nextCursor;
  }
}

export function teardown(data) {
  const paid = unitsIn(data, 'paid');
  const pending = unitsIn(data, 'pending_payment');
  const stock = must(query('inventory.admin.get', { skuId: data.skuId }, { token: data.admin }));
  console.log(
    `flash sale: ${paid} paid, ${pending} unpaid of ${STOCK} units; on hand ${stock.onHand}, reserved ${stock.reserved}`,
  );
  check(null, {
    'flash sale: no more units ordered than in stock': () => paid + pending <= STOCK,
    'flash sale: every unit sold when buyers outnumber units': () => BUYERS < STOCK || paid + pending === STOCK,
    'flash sale: on hand fell by exactly the paid units': () => stock.onHand === STOCK - paid,
  });
}
