// Cart traffic: add two SKUs, repeat an add with its idempotency key, change a quantity, deselect
// a line, count, remove — as a guest (a new visitor each iteration: auth.guest) or, with
// CART_MODE=user, as signed-in customers (one per VU, registered in setup; their adds hold stock).
//
//   k6 run -e BASE_URL=… -e ADMIN_EMAIL=… -e ADMIN_PASSWORD=… [-e CART_MODE=user] infra/k6/cart.js
//   env: VUS (50), DURATION (2m), RAMP (30s), THINK_SECONDS (0.5), P95_MS (400), CART_PRODUCTS (10)
import { check, group, sleep } from 'k6';
import { envInt, rampingVus, expectOk, mutation, query, uid } from './lib/trpc.js';
import { adminToken, createProducts, registerBuyers } from './lib/fixtures.js';

const VUS = envInt('VUS', 50);
const THINK = envInt('THINK_SECONDS', 0.5);
const MODE = __ENV.CART_MODE || 'guest';
if (MODE !== 'guest' && MODE !== 'user') throw new Error(`CART_MODE must be guest or user, got ${MODE}`);

export const options = {
  scenarios: {
    cart: rampingVus(VUS),
  },
  setupTimeout: '5m',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: [`p(95)<${envInt('P95_MS', 400)}`],
    'http_req_duration{name:cart.addItem}': [`p(95)<${envInt('P95_MS', 400)}`],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  // Plenty of stock: this measures the cart, not running out.
  const { products } = createProducts(adminToken(), envInt('CART_PRODUCTS', 10), { stock: 10000000, label: 'cart' });
  const users = MODE === 'user' ? registerBuyers(VUS) : [];
  return { skuIds: products.map((p) => p.skuId), users };
}

const lineOf = (cart, skuId) => cart.items.find((l) => l.skuId === skuId);
const quantityOf = (cart, skuId) => (lineOf(cart, skuId) || { quantity: 0 }).quantity;
const sumOf = (lines, f) => lines.reduce((n, l) => n + f(l), 0);

export default function (data) {
  let token;
  if (MODE === 'user') {
    token = data.users[(__VU - 1) % data.users.length].token;
  } else {
    const guest = expectOk(mutation('auth.guest', {}), 'auth.guest: a guest token', (d) => typeof d.token === 'string');
    if (!guest) return;
    token = guest.token;
  }
  const opts = { token };
  const skuIds = data.skuIds;
  const first = Math.floor(Math.random() * skuIds.length);
  const a = skuIds[first];
  const b = skuIds[(first + 1) % skuIds.length];

  group('open the cart', () => {
    const cart = expectOk(
      query('cart.get', undefined, opts),
      'cart.get: a cart with a currency',
      (d) => typeof d.currency === 'string' && Array.isArray(d.items),
    );
    // A signed-in customer's cart outlives the iteration: start from an empty one.
    if (cart && cart.items.length > 0) {
      const itemIds = cart.items.map((l) => l.id).slice(0, 50);
      expectOk(
        mutation('cart.removeItems', { itemIds }, opts),
        'cart.removeItems: leftovers removed',
        (d) => d.items.length === cart.items.length - itemIds.length,
      );
    }
  });

  let cart;
  group('add', () => {
    const key = `add-${uid()}`;
    cart = expectOk(
      mutation('cart.addItem', { skuId: a, quantity: 1, idempotencyKey: key }, opts),
      'cart.addItem: a new, selected line',
      (d) => {
        const l = lineOf(d, a);
        return !!l && l.quantity === 1 && l.selected === true && d.totalQuantity === 1;
      },
    );
    if (!cart) return;
    sleep(THINK);
    cart = expectOk(
      mutation('cart.addItem', { skuId: b, quantity: 2 }, opts),
      'cart.addItem: totals add up',
      (d) => d.totalItems === 2 && d.totalQuantity === 3 && d.totalAmount === sumOf(d.items, (l) => l.subtotal),
    );
    if (!cart) return;
    cart = expectOk(
      mutation('cart.addItem', { skuId: a, quantity: 1, idempotencyKey: key }, opts),
      'cart.addItem: a repeated key adds nothing',
      (d) => quantityOf(d, a) === 1 && quantityOf(d, b) === 2,
    );
  });
  if (!cart) return;
  sleep(THINK);

  group('edit', () => {
    const lineA = lineOf(cart, a);
    const lineB = lineOf(cart, b);
    let c = expectOk(
      mutation('cart.updateQuantity', { itemId: lineA.id, quantity: 3 }, opts),
      'cart.updateQuantity: the line has the new quantity',
      (d) => quantityOf(d, a) === 3 && d.totalQuantity === 5,
    );
    c = expectOk(
      mutation('cart.select', { itemIds: [lineB.id], selected: false }, opts),
      'cart.select: only selected lines count',
      (d) =>
        d.selectedCount === 3 && d.items.length === 2 && !!lineOf(d, a) && d.selectedAmount === lineOf(d, a).subtotal,
    );
    expectOk(query('cart.count', undefined, opts), 'cart.count: every unit', (d) => d.totalQuantity === 5);
    sleep(THINK);
    c = expectOk(
      mutation('cart.removeItem', { itemId: lineA.id }, opts),
      'cart.removeItem: the line is gone',
      (d) => d.items.length === 1 && !lineOf(d, a),
    );
    c = expectOk(
      mutation('cart.updateQuantity', { itemId: lineB.id, quantity: 0 }, opts),
      'cart.updateQuantity 0: removes the line',
      (d) => d.items.length === 0,
    );
    check(c, { 'cart: empty at the end': (x) => !!x && x.totalQuantity === 0 && x.payableAmount === 0 });
  });
  sleep(THINK);
}
