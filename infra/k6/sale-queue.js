// Queued flash sale (docs/api.md, "sale"): one SKU of SALE_STOCK units in a queued sale window,
// SALE_BUYERS signed-in customers (one VU each, all starting together) who each join the queue
// (`sale.join`), follow their ticket until it is decided and, when admitted, add one unit and check
// out, then tries a second unit, which the SKU's purchase limit of 1 (set in setup) refuses
// (PURCHASE_LIMIT, 409). A buyer not admitted must be told `sold_out`. k6 has no SSE client in its core modules, so the
// ticket is followed by polling `sale.ticket` every POLL_MS (the SSE stream, `sale.onTicket`, is what
// infra/bench/sale-queue.ts measures). teardown() counts the SKU's orders: exactly the stock sold
// when buyers outnumber units, nobody with more than one unit, on hand untouched by unpaid orders.
// (Admission order is checked from the database by infra/bench/sale-queue.ts; k6 sees no ticket numbers.)
// The BFF needs RATE_LIMIT_PER_MINUTE=0 (every buyer polls from one IP).
//
//   k6 run -e BASE_URL=… -e ADMIN_EMAIL=… -e ADMIN_PASSWORD=… infra/k6/sale-queue.js
//   env: SALE_STOCK (100), SALE_BUYERS (2000), POLL_MS (500), SALE_WAIT_SECONDS (300), P95_MS (1500)
import { check, group, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { envInt, explain, must, mutation, query, uid } from './lib/trpc.js';
import { adminToken, createProducts, registerBuyers } from './lib/fixtures.js';

const STOCK = envInt('SALE_STOCK', 100);
const BUYERS = envInt('SALE_BUYERS', 2000);
const POLL_MS = envInt('POLL_MS', 500);
const WAIT_SECONDS = envInt('SALE_WAIT_SECONDS', 300);
const P95 = envInt('P95_MS', 1500);

const admitted = new Counter('sale_admitted');
const toldSoldOut = new Counter('sale_told_sold_out');
const ordersMade = new Counter('sale_orders');
const limited = new Counter('sale_limited');
const unexpected = new Counter('sale_unexpected');
/** From sale.join's answer to the first poll that saw the ticket admitted. */
const waitAdmitted = new Trend('sale_wait_admitted', true);

export const options = {
  scenarios: {
    // Every buyer at once, once: the burst a flash sale is.
    sale: { executor: 'per-vu-iterations', vus: BUYERS, iterations: 1, maxDuration: `${WAIT_SECONDS + 120}s` },
  },
  setupTimeout: '30m',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: [`p(95)<${P95}`],
    'http_req_duration{name:sale.join}': [`p(95)<${P95}`],
    sale_unexpected: ['count==0'],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  const admin = adminToken();
  const { products } = createProducts(admin, 1, { stock: STOCK, price: 9900, label: 'queue' });
  const skuId = products[0].skuId;
  // The window on the server's clock (the product's createdAt), open now for an hour.
  const opened = Date.parse(products[0].createdAt);
  must(
    mutation(
      'catalog.admin.setSale',
      {
        skuId,
        startsAt: new Date(opened - 60_000).toISOString(),
        endsAt: new Date(opened + 3_600_000).toISOString(),
        queued: true,
      },
      { token: admin },
    ),
    'setSale',
  );
  must(mutation('catalog.admin.setPurchaseLimit', { skuId, limit: 1 }, { token: admin }), 'setPurchaseLimit');
  return { admin, skuId, startedAt: products[0].createdAt, buyers: registerBuyers(BUYERS) };
}

/** A call that must answer 200 with data, or (stock calls) INSUFFICIENT_STOCK; anything else is counted. */
function expectAnswer(r, name, allowSoldOut) {
  const soldOutAnswer = allowSoldOut && r.status === 409 && r.appCode === 'INSUFFICIENT_STOCK';
  const passed = check(r, { [`${name}: answered`]: (x) => x.ok || soldOutAnswer });
  if (!passed) {
    unexpected.add(1);
    console.warn(explain(r));
  }
  return r.ok ? r.data : undefined;
}

export default function (data) {
  const buyer = data.buyers[(__VU - 1) % data.buyers.length];
  const opts = { token: buyer.token };

  const ticket = group('join', () =>
    expectAnswer(mutation('sale.join', { skuId: data.skuId, quantity: 1 }, opts), 'sale.join', false),
  );
  if (!ticket) return;
  const joinedAt = Date.now();

  // Follow the ticket until it is decided: admitted, told sold out, or expired.
  let state = ticket.state;
  const deadline = joinedAt + WAIT_SECONDS * 1000;
  group('wait', () => {
    while (state === 'waiting' && Date.now() < deadline) {
      sleep(POLL_MS / 1000);
      const t = expectAnswer(query('sale.ticket', { ticketId: ticket.ticketId }, opts), 'sale.ticket', false);
      if (!t) return;
      state = t.state;
    }
  });
  check(state, {
    'sale: the ticket was decided (admitted or told sold out)': (s) => s === 'admitted' || s === 'sold_out',
  });
  if (state === 'sold_out') toldSoldOut.add(1);
  if (state !== 'admitted') return;
  admitted.add(1);
  waitAdmitted.add(Date.now() - joinedAt);

  const stockOpts = { token: buyer.token, expect: [409] };
  const cart = group('add to cart', () =>
    expectAnswer(mutation('cart.addItem', { skuId: data.skuId, quantity: 1 }, stockOpts), 'cart.addItem', true),
  );
  if (!cart) return;
  const order = group('checkout', () =>
    expectAnswer(
      mutation('order.checkout', { addressId: buyer.addressId, idempotencyKey: `sq-${uid()}` }, stockOpts),
      'order.checkout',
      true,
    ),
  );
  if (!order) return;
  ordersMade.add(1);

  // One unit per customer: a second one is refused, though the ticket is still admitted.
  group('second unit', () => {
    const r = mutation('cart.addItem', { skuId: data.skuId, quantity: 1 }, stockOpts);
    const refused = check(r, {
      'cart.addItem of a second unit: PURCHASE_LIMIT': (x) => x.appCode === 'PURCHASE_LIMIT',
    });
    if (refused) limited.add(1);
    else {
      unexpected.add(1);
      console.warn(explain(r));
    }
  });
}

/** Units of the sale's SKU per customer, in orders not cancelled created since setup (newest first). */
function unitsPerUser(data) {
  const units = new Map();
  for (const status of ['pending_payment', 'paid']) {
    let cursor;
    for (let more = true; more;) {
      const page = must(
        query('order.admin.list', cursor ? { status, limit: 100, cursor } : { status, limit: 100 }, {
          token: data.admin,
        }),
      );
      for (const o of page.items) {
        if (o.createdAt < data.startedAt) {
          more = false;
          break;
        }
        for (const i of o.items)
          if (i.skuId === data.skuId) units.set(o.userId, (units.get(o.userId) || 0) + i.quantity);
      }
      cursor = page.nextCursor;
      if (!cursor) more = false;
    }
  }
  return units;
}

export function teardown(data) {
  const units = unitsPerUser(data);
  let sold = 0;
  let overOne = 0;
  for (const n of units.values()) {
    sold += n;
    if (n > 1) overOne++;
  }
  const stock = must(query('inventory.admin.get', { skuId: data.skuId }, { token: data.admin }));
  console.log(`queued sale: ${sold} of ${STOCK} units ordered by ${units.size} buyers; on hand ${stock.onHand}`);
  check(null, {
    'queued sale: no more units ordered than in stock': () => sold <= STOCK,
    'queued sale: every unit sold when buyers outnumber units': () => BUYERS < STOCK || sold === STOCK,
    'queued sale: nobody ordered more than one unit': () => overOne === 0,
  });
}
