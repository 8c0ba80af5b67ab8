// Anonymous browsing: category tree, brands, product pages (cursor paging), search, product detail
// and its stock. Read-only, so it runs against any shop: the demo seed (`npm run seed`) or, on an
// empty catalog with ADMIN_EMAIL/ADMIN_PASSWORD set, a few products setup() creates.
//
//   k6 run -e BASE_URL=http://127.0.0.1:3000 infra/k6/browse.js
//   env: VUS (50), DURATION (2m), RAMP (30s), PAGE_SIZE (20), THINK_SECONDS (1), P95_MS (300),
//        BROWSE_SEED_PRODUCTS (12, only on an empty catalog)
import { group, sleep } from 'k6';
import { envInt, rampingVus, expectOk, must, query } from './lib/trpc.js';
import { adminToken, createProducts } from './lib/fixtures.js';

const VUS = envInt('VUS', 50);
const PAGE_SIZE = envInt('PAGE_SIZE', 20);
const THINK = envInt('THINK_SECONDS', 1);

export const options = {
  scenarios: {
    browse: rampingVus(VUS),
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: [`p(95)<${envInt('P95_MS', 300)}`],
    'http_req_duration{name:catalog.product}': [`p(95)<${envInt('P95_MS', 300)}`],
    checks: ['rate>0.99'],
  },
};

/** A piece of a product's name that search must find (docs/api.md: `q` matches any part, any case). */
function searchTerm(name) {
  const first = name.trim().split(/\s+/)[0] || '';
  return Array.from(first).slice(0, 4).join('').toLowerCase();
}

export function setup() {
  const probe = must(query('catalog.products', { limit: 1 }), 'catalog.products');
  if (probe.items.length === 0) {
    if (!__ENV.ADMIN_EMAIL)
      throw new Error(
        'the catalog is empty: run `npm run seed`, or set ADMIN_EMAIL/ADMIN_PASSWORD so setup creates products',
      );
    createProducts(adminToken(), envInt('BROWSE_SEED_PRODUCTS', 12), { stock: 100, label: 'browse' });
  }
  const first = must(query('catalog.products', { limit: 100 }), 'catalog.products');
  const terms = first.items.map((p) => searchTerm(p.name)).filter((t) => t.length >= 2);
  return { terms: Array.from(new Set(terms)) };
}

const pick = (list) => list[Math.floor(Math.random() * list.length)];

export default function (data) {
  let listed = [];
  group('listing', () => {
    expectOk(
      query('catalog.categoryTree'),
      'catalog.categoryTree: an array of categories',
      (d) => Array.isArray(d) && d.length > 0,
    );
    expectOk(query('catalog.brands'), 'catalog.brands: an array', (d) => Array.isArray(d));
    const page1 = expectOk(
      query('catalog.products', { limit: PAGE_SIZE }),
      'catalog.products: a page of published products',
      (d) =>
        Array.isArray(d.items) &&
        d.items.length > 0 &&
        d.items.length <= PAGE_SIZE &&
        d.items.every((p) => p.id && p.name && p.categoryId),
    );
    if (!page1) return;
    listed = page1.items;
    if (page1.nextCursor) {
      const seen = new Set(page1.items.map((p) => p.id));
      const page2 = expectOk(
        query('catalog.products', { limit: PAGE_SIZE, cursor: page1.nextCursor }),
        'catalog.products: the next page has other products',
        (d) => d.items.length > 0 && d.items.every((p) => !seen.has(p.id)),
      );
      if (page2) listed = listed.concat(page2.items);
    }
    const categoryId = pick(listed).categoryId;
    expectOk(
      query('catalog.products', { categoryId, limit: PAGE_SIZE }),
      'catalog.products by category: not empty',
      (d) => d.items.length > 0,
    );
  });
  sleep(THINK);

  group('search', () => {
    if (data.terms.length === 0) return;
    const q = pick(data.terms);
    expectOk(
      query('catalog.products', { q, limit: PAGE_SIZE }),
      `catalog.products search: every hit's name contains the term`,
      (d) => d.items.length > 0 && d.items.every((p) => p.name.toLowerCase().includes(q)),
    );
  });
  sleep(THINK);

  group('product detail', () => {
    if (listed.length === 0) return;
    const item = pick(listed);
    const detail = expectOk(
      query('catalog.product', { id: item.id }),
      'catalog.product: the product with priced SKUs',
      (d) =>
        d.id === item.id &&
        Array.isArray(d.skus) &&
        d.skus.length > 0 &&
        d.skus.every((s) => Number.isInteger(s.price) && typeof s.stockStatus === 'string'),
    );
    if (!detail) return;
    const skuIds = detail.skus.map((s) => s.id).slice(0, 200);
    expectOk(
      query('inventory.getMany', { skuIds }),
      'inventory.getMany: a status per SKU, no on-hand counts',
      (d) => d.length === skuIds.length && d.every((s) => typeof s.available === 'number' && s.onHand === undefined),
    );
  });
  sleep(THINK);
}
