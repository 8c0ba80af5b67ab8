import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@zjmall/platform';
import { startTestBff, repoRoot, type TestBff } from './support/bff';
import { problems, runK6Script, type K6Run } from './support/k6/runner';

/**
 * The k6 load scripts of infra/k6 speak the tRPC contract: each one's setup(), one iteration of
 * its default function per VU and its teardown() run against a real BFF (PostgreSQL, Redis,
 * NATS) through a stand-in for k6's modules (tests/support/k6), and must pass every check, make no
 * request k6 would count as failed and throw nothing. k6 itself is not installed here.
 */
const script = (name: string) => resolve(repoRoot, 'infra/k6', name);
const ADMIN_PASSWORD = 'k6 admin password';

const sum = (run: K6Run, metric: string) =>
  run.metrics.filter((m) => m.name === metric).reduce((n, m) => n + m.value, 0);

function expectClean(run: K6Run, minChecks: number) {
  expect(problems(run)).toEqual([]);
  // A script that silently skips its journey must not pass.
  expect(run.checks.length).toBeGreaterThanOrEqual(minChecks);
}

/** Every script gates a run on latency and errors, as the operator's README promises. */
function expectThresholds(run: K6Run) {
  const thresholds = run.options?.thresholds ?? {};
  const p95 = Object.entries(thresholds).filter(
    ([k, v]) => k.startsWith('http_req_duration') && v.some((t) => /^p\(95\)<\d+$/.test(t)),
  );
  expect(p95.length).toBeGreaterThan(0);
  expect(thresholds.http_req_failed).toEqual(expect.arrayContaining([expect.stringMatching(/^rate<0\.\d+$/)]));
  expect(thresholds.checks).toEqual(expect.arrayContaining([expect.stringMatching(/^rate>0\.\d+$/)]));
  expect(Object.keys(run.options?.scenarios ?? {}).length).toBe(1);
}

/** A BFF with an admin, and the env a k6 run against it gets (`k6 run -e …`). */
async function shop(label: string, bffEnv: Record<string, string> = {}) {
  const bff = await startTestBff({ label, env: bffEnv });
  // What the BFF's boot does with ADMIN_EMAIL/ADMIN_PASSWORD; the scripts log in with the same.
  const adminEmail = `k6.admin.${newId().slice(-8)}@example.com`;
  await bff.services.identity.ensureAdmin(adminEmail, ADMIN_PASSWORD);
  return { bff, env: { BASE_URL: bff.url, ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD, VUS: '1' } };
}

describe('k6 scripts against a running BFF', () => {
  let bff: TestBff;
  let env: Record<string, string>;
  beforeAll(async () => {
    ({ bff, env } = await shop('k6scripts'));
  });
  afterAll(() => bff?.close());

  it('browse: listing, paging, search and detail on a catalog setup() creates', async () => {
    const run = await runK6Script(script('browse.js'), { env: { ...env, PAGE_SIZE: '5', BROWSE_SEED_PRODUCTS: '7' } });
    expectClean(run, 8);
    expectThresholds(run);
    const names = new Set(run.requests.filter((r) => r.phase === 'vu').map((r) => r.name));
    expect(names).toEqual(
      new Set(['catalog.categoryTree', 'catalog.brands', 'catalog.products', 'catalog.product', 'inventory.getMany']),
    );
  });

  it('cart as a guest: add, repeat, update, select, count, remove', async () => {
    const run = await runK6Script(script('cart.js'), { env });
    expectClean(run, 11);
    expectThresholds(run);
    expect(run.requests.some((r) => r.name === 'auth.guest')).toBe(true);
  });

  it('cart as signed-in customers (their adds hold stock)', async () => {
    const run = await runK6Script(script('cart.js'), { env: { ...env, CART_MODE: 'user', VUS: '2' }, vus: 2 });
    expectClean(run, 20);
    expect(run.requests.filter((r) => r.name === 'auth.register')).toHaveLength(2);
  });

  it('checkout: add → checkout → payment.create → sandbox approve → paid', async () => {
    const run = await runK6Script(script('checkout.js'), { env });
    expectClean(run, 5);
    expectThresholds(run);
    expect(run.requests.filter((r) => r.name === 'sandbox.approve').map((r) => r.status)).toEqual([200]);
    expect(run.metrics.filter((m) => m.name === 'checkout_order_to_paid')).toHaveLength(1);
  });

  it('flash sale with cart holds: 4 buyers at once for 2 units; the others are refused at add-to-cart', async () => {
    const run = await runK6Script(script('flash-sale.js'), {
      env: { ...env, FLASH_STOCK: '2', FLASH_BUYERS: '4' },
      vus: 4,
    });
    expectClean(run, 13);
    expectThresholds(run);
    expect(sum(run, 'flash_orders')).toBe(2);
    expect(sum(run, 'flash_sold_out')).toBe(2);
    expect(sum(run, 'flash_unexpected')).toBe(0);
    // Refusals were answered 409 and yet are not failed requests (the script's responseCallback).
    expect(run.requests.filter((r) => r.status === 409).map((r) => r.name)).toEqual(['cart.addItem', 'cart.addItem']);
    expect(run.checks.filter((c) => c.phase === 'teardown').map((c) => c.ok)).toEqual([true, true, true]);
  });
});

describe('k6 queued sale', () => {
  let bff: TestBff;
  let env: Record<string, string>;
  beforeAll(async () => {
    ({ bff, env } = await shop('k6salequeue'));
  });
  afterAll(() => bff?.close());

  it('4 buyers join a queued sale of 2 units with a purchase limit of 1: 2 admitted buy one each (a second is refused), the other 2 are told sold out', async () => {
    const run = await runK6Script(script('sale-queue.js'), {
      env: { ...env, SALE_STOCK: '2', SALE_BUYERS: '4', POLL_MS: '100', SALE_WAIT_SECONDS: '120' },
      vus: 4,
    });
    // join, decided, and for the two admitted: add, checkout and the refused second unit; three in teardown.
    expectClean(run, 4 + 4 + 2 * 3 + 3);
    expectThresholds(run);
    expect(sum(run, 'sale_admitted')).toBe(2);
    expect(sum(run, 'sale_orders')).toBe(2);
    expect(sum(run, 'sale_limited')).toBe(2);
    expect(run.requests.filter((r) => r.status === 409).map((r) => r.name)).toEqual(['cart.addItem', 'cart.addItem']);
    expect(sum(run, 'sale_told_sold_out')).toBe(2);
    expect(sum(run, 'sale_unexpected')).toBe(0);
    expect(run.metrics.filter((m) => m.name === 'sale_wait_admitted')).toHaveLength(2);
    // The queue followed by polling: every buyer read its ticket at least once.
    expect(new Set(run.requests.filter((r) => r.name === 'sale.ticket').map((r) => r.vu))).toEqual(
      new Set([1, 2, 3, 4]),
    );
    expect(run.checks.filter((c) => c.phase === 'teardown').map((c) => c.ok)).toEqual([true, true, true]);
  }, 300_000);
});

describe('k6 flash sale without cart holds', () => {
  let bff: TestBff;
  let env: Record<string, string>;
  beforeAll(async () => {
    ({ bff, env } = await shop('k6flash', { CART_HOLD_TTL_SECONDS: '0' }));
  });
  afterAll(() => bff?.close());

  it('the race is lost with INSUFFICIENT_STOCK: at order.checkout, or at add-to-cart once others have checked out', async () => {
    const run = await runK6Script(script('flash-sale.js'), {
      env: { ...env, FLASH_STOCK: '2', FLASH_BUYERS: '4' },
      vus: 4,
    });
    // Without holds an add only checks free stock, and an order's reservation takes it: a buyer
    // whose add comes after two checkouts is refused there (and skips its checkout's check).
    const lostAtAdd = run.requests.filter((r) => r.status === 409 && r.name === 'cart.addItem').length;
    expect(lostAtAdd).toBeLessThanOrEqual(2);
    expectClean(run, 15 - lostAtAdd);
    expect(sum(run, 'flash_orders')).toBe(2);
    expect(sum(run, 'flash_sold_out')).toBe(2);
    expect(run.requests.filter((r) => r.status === 409 && r.name === 'order.checkout')).toHaveLength(2 - lostAtAdd);
    expect(run.checks.filter((c) => c.phase === 'teardown').map((c) => c.ok)).toEqual([true, true, true]);
  });
});
