// The whole purchase at a steady arrival rate: cart.addItem → order.checkout → payment.create →
// the sandbox provider's approve button (its signed callback pays the order) → order.get until
// paid. Buyers (one per VU) and products with ample stock are created in setup().
// The BFF needs SANDBOX_PAYMENTS=true (it is off by default with NODE_ENV=production).
//
//   k6 run -e BASE_URL=… -e ADMIN_EMAIL=… -e ADMIN_PASSWORD=… infra/k6/checkout.js
//   env: RATE (10 orders/s), DURATION (2m), VUS (50: buyers and max VUs), CHECKOUT_PRODUCTS (5),
//        P95_MS (800), ORDER_PAID_P95_MS (2000)
import { check, group, sleep } from 'k6';
import { Trend } from 'k6/metrics';
import { envInt, expectOk, mutation, postPlain, query, uid } from './lib/trpc.js';
import { adminToken, createProducts, registerBuyers } from './lib/fixtures.js';

const VUS = envInt('VUS', 50);
const P95 = envInt('P95_MS', 800);

// From order.checkout's request to order.get answering `paid`: what a shopper waits for.
const orderToPaid = new Trend('checkout_order_to_paid', true);

export const options = {
  scenarios: {
    checkout: {
      executor: 'constant-arrival-rate',
      rate: envInt('RATE', 10),
      timeUnit: '1s',
      duration: __ENV.DURATION || '2m',
      preAllocatedVUs: VUS,
      maxVUs: VUS,
    },
  },
  setupTimeout: '10m',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: [`p(95)<${P95}`],
    'http_req_duration{name:order.checkout}': [`p(95)<${P95}`],
    'http_req_duration{name:sandbox.approve}': [`p(95)<${P95}`],
    checkout_order_to_paid: [`p(95)<${envInt('ORDER_PAID_P95_MS', 2000)}`],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  const { products } = createProducts(adminToken(), envInt('CHECKOUT_PRODUCTS', 5), {
    stock: 10000000,
    price: 2590,
    label: 'checkout',
  });
  return { skuIds: products.map((p) => p.skuId), buyers: registerBuyers(VUS) };
}

export default function (data) {
  // Each VU is one customer; a VU runs one iteration at a time, so carts never interleave.
  const buyer = data.buyers[(__VU - 1) % data.buyers.length];
  const opts = { token: buyer.token };
  const skuId = data.skuIds[Math.floor(Math.random() * data.skuIds.length)];
  const quantity = 1 + Math.floor(Math.random() * 2);

  const cart = group('add to cart', () =>
    expectOk(mutation('cart.addItem', { skuId, quantity }, opts), 'cart.addItem: the SKU is in the cart', (d) =>
      d.items.some((l) => l.skuId === skuId),
    ),
  );
  if (!cart) return;

  const started = Date.now();
  const order = group('checkout', () =>
    expectOk(
      mutation('order.checkout', { addressId: buyer.addressId, idempotencyKey: `co-${uid()}` }, opts),
      'order.checkout: a pending order of the selected lines',
      (d) =>
        d.status === 'pending_payment' &&
        d.payableAmount === d.itemsAmount - d.discountAmount + d.shippingAmount &&
        d.items.some((i) => i.skuId === skuId && i.quantity >= quantity),
    ),
  );
  if (!order) return;

  const paid = group('pay', () => {
    const channel = Math.random() < 0.5 ? 'sandbox_alipay' : 'sandbox_wechat';
    const payment = expectOk(
      mutation('payment.create', { orderId: order.id, channel, idempotencyKey: `pay-${uid()}` }, opts),
      'payment.create: pending, for the order amount',
      (d) => d.status === 'pending' && d.amount === order.payableAmount && d.payUrl.endsWith(`/sandbox/pay/${d.id}`),
    );
    if (!payment) return false;
    // The sandbox's approve button: answers once the provider's signed callback was processed.
    const approved = postPlain(`/sandbox/pay/${payment.id}/approve`, 'sandbox.approve');
    const ok = check(approved, {
      'sandbox approve: the callback succeeded': (r) => r.status === 200 && r.json().outcome === 'succeeded',
    });
    return ok;
  });
  if (!paid) return;

  group('order paid', () => {
    // Approval is synchronous, so the first read should say paid; a few retries cover a replica
    // whose cache has not heard of it yet.
    let seen;
    for (let i = 0; i < 10; i++) {
      const r = query('order.get', { id: order.id }, opts);
      seen = r;
      if (r.ok && r.data.status === 'paid') break;
      sleep(0.2);
    }
    const ok = expectOk(
      seen,
      'order.get: paid, for the full amount',
      (d) => d.status === 'paid' && d.paidAmount === order.payableAmount && !!d.paidAt,
    );
    if (ok) orderToPaid.add(Date.now() - started);
  });
}
