import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecalculateInput } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { createPricingPool, type PricingPool } from '../pool/pricing-pool';
import { createPricingHarness, failureCode, type PricingHarness } from '../testing/harness';

let h: PricingHarness;
let pool: PricingPool;
let home: string;
let acme: string;
const kitchenSkus = new Set<string>();
const allSkus: string[] = [];

beforeAll(async () => {
  h = await createPricingHarness('pricingjobs');
  pool = createPricingPool({ threads: 2 });
  home = (await h.catalog.createCategory({ name: h.unique('home') })).id;
  const kitchen = (await h.catalog.createCategory({ name: h.unique('kitchen'), parentId: home })).id;
  const phones = (await h.catalog.createCategory({ name: h.unique('phones') })).id;
  acme = (await h.catalog.createBrand({ name: h.unique('acme') })).id;
  // 10 kitchen products (a descendant of home) and 10 phones, 2 SKUs each: 40 SKUs.
  for (let i = 0; i < 20; i++) {
    const inKitchen = i % 2 === 0;
    const p = await h.catalog.createProduct(
      {
        name: h.unique('product'),
        categoryId: inKitchen ? kitchen : phones,
        ...(inKitchen ? { brandId: acme } : {}),
        skus: [0, 1].map((k) => ({
          code: h.unique('sku'),
          spec: { size: `S${k}` },
          price: 1_000 + i * 100 + k * 37,
          costPrice: 600,
        })),
      },
      'test',
    );
    for (const s of p.skus) {
      allSkus.push(s.id);
      if (inKitchen) kitchenSkus.add(s.id);
    }
  }
});

afterAll(async () => {
  await pool?.close();
  await h?.close();
});

/** A promotional window relative to the database's clock (the clock windows are judged by), in ms. */
async function dbWindow(fromMs: number, toMs: number) {
  const [{ now }] = await h.q<{ now: Date }>(`SELECT now() AS now`);
  return {
    startsAt: new Date(now.getTime() + fromMs).toISOString(),
    endsAt: new Date(now.getTime() + toMs).toISOString(),
  };
}

/** Restores every SKU's price (each test starts from the same catalog). */
async function reset(prices: Map<string, number>) {
  await h.catalog.setPrices(
    [...prices].map(([skuId, price]) => ({ skuId, price })),
    { source: 'admin' },
  );
}

const plus10: RecalculateInput['rules'] = [{ adjust: { kind: 'percent', value: 10 } }];

describe('pricing.admin.recalculate → job runner (real PostgreSQL)', () => {
  it('writes the new prices batch by batch, one price_changed per batch, with progress', async () => {
    const before = await h.prices();
    const cached = await h.catalog.getSkus(allSkus); // fills the SKU cache: the job must drop it
    expect(cached.map((s) => s.price)).toEqual(allSkus.map((id) => before.get(id)));
    const { jobId } = await h.admin.recalculate({
      rules: [{ scope: { categoryIds: [home] }, adjust: { kind: 'percent', value: 10 } }],
      rounding: [{ mode: 'yuan' }],
    });
    expect(await h.admin.job({ jobId })).toMatchObject({
      jobId,
      status: 'queued',
      processed: 0,
      total: 40,
      changed: 0,
    });

    const progress: { status: string; processed: number }[] = [];
    // the pool with threshold 0: every batch is evaluated on the workers
    const runner = h.runner(pool, {
      batchSize: 7,
      inlineThreshold: 0,
      afterBatch: async () => void progress.push(await h.admin.job({ jobId })),
    });
    expect(await runner.drain()).toBe(1);

    expect(progress.map((p) => p.processed)).toEqual([7, 14, 21, 28, 35, 40]);
    expect(progress.every((p) => p.status === 'running')).toBe(true);
    expect(await h.admin.job({ jobId })).toMatchObject({
      status: 'completed',
      processed: 40,
      total: 40,
      changed: 20,
      error: null,
    });

    const after = await h.prices();
    for (const id of allSkus) {
      const expected = kitchenSkus.has(id) ? Math.round((before.get(id)! * 1.1) / 100) * 100 : before.get(id)!;
      expect(after.get(id), id).toBe(expected);
    }
    expect((await h.catalog.getSkus(allSkus)).map((s) => s.price)).toEqual(allSkus.map((id) => after.get(id)));
    // One event per batch that changed something: batches are 7 SKUs in id order.
    const batches = [...allSkus]
      .sort()
      .reduce<string[][]>((acc, id, i) => (i % 7 ? acc[acc.length - 1].push(id) : acc.push([id]), acc), []);
    const expectedEvents = batches
      .filter((b) => b.some((id) => kitchenSkus.has(id)))
      .map((b) => b.filter((id) => kitchenSkus.has(id)).sort());
    const events = await h.priceEvents(jobId);
    expect(events.map((e) => e.data.changes.map((c) => c.skuId).sort())).toEqual(expectedEvents);
    for (const e of events) {
      expect(e.aggregate_id).toBe(jobId);
      expect(e.data.source).toBe('job');
      for (const c of e.data.changes) expect(c.oldPrice).toBe(before.get(c.skuId));
    }
    await reset(before);
  });

  it('a job scope limits the SKUs walked (total, processed)', async () => {
    const before = await h.prices();
    const { jobId } = await h.admin.recalculate({ rules: plus10, scope: { categoryIds: [home] } });
    await h.runner(null, { batchSize: 100 }).drain();
    expect(await h.admin.job({ jobId })).toMatchObject({ status: 'completed', processed: 20, total: 20, changed: 20 });
    const after = await h.prices();
    expect(allSkus.filter((id) => after.get(id) !== before.get(id)).sort()).toEqual([...kitchenSkus].sort());
    await reset(before);
    // brand AND attribute (the spec's size): the first SKU of each acme product
    const second = await h.admin.recalculate({
      rules: plus10,
      scope: { brandIds: [acme], attributes: [{ key: 'size', values: ['S0'] }] },
    });
    await h.runner(null).drain();
    expect(await h.admin.job({ jobId: second.jobId })).toMatchObject({
      status: 'completed',
      processed: 10,
      total: 10,
      changed: 10,
    });
    await reset(before);
  });

  it('resumes after a crash between batches: a second runner finishes, nothing is applied twice', async () => {
    const before = await h.prices();
    const { jobId } = await h.admin.recalculate({ rules: plus10 });
    // runner A dies after its 2nd batch committed (its lease still held, as after a kill -9)
    await h.runner(null, { batchSize: 7, afterBatch: ({ batches }) => (batches === 2 ? 'halt' : undefined) }).runOnce();
    expect(await h.admin.job({ jobId })).toMatchObject({ status: 'running', processed: 14, changed: 14 });
    // while the lease holds nobody else takes the job
    expect(await h.runner(null).runOnce()).toBeNull();
    await h.db.query(`UPDATE pricing.jobs SET lease_until = now() - interval '1 second' WHERE id = $1`, {
      bind: [jobId],
    });

    expect(await h.runner(null, { batchSize: 7 }).runOnce()).toBe(jobId);
    expect(await h.admin.job({ jobId })).toMatchObject({ status: 'completed', processed: 40, total: 40, changed: 40 });
    const after = await h.prices();
    for (const id of allSkus) expect(after.get(id)).toBe(before.get(id)! + Math.round(before.get(id)! / 10)); // +10 % once, not 21 %
    const changes = (await h.priceEvents(jobId)).flatMap((e) => e.data.changes);
    expect(changes).toHaveLength(40);
    expect(new Set(changes.map((c) => c.skuId)).size).toBe(40);
    const [row] = await h.q<{ attempts: number; batches: number }>(
      `SELECT attempts, batches FROM pricing.jobs WHERE id = $1`,
      [jobId],
    );
    expect(row).toEqual({ attempts: 2, batches: 6 });
    await reset(before);
  });

  it('a runner stopped mid-job hands the job back at once; the next one finishes it', async () => {
    const before = await h.prices();
    const { jobId } = await h.admin.recalculate({ rules: plus10 });
    let stopping: Promise<void> | null = null;
    const runner = h.runner(null, {
      batchSize: 5,
      pollMs: 20,
      afterBatch: ({ batches }) => {
        if (batches === 2) stopping = runner.stop(); // not awaited here: stop() waits for this batch loop
      },
    });
    runner.start();
    await expect.poll(() => stopping, { timeout: 10_000 }).not.toBeNull();
    await stopping;
    const [row] = await h.q<{ status: string; processed: number; released: boolean; error: string | null }>(
      `SELECT status, processed, lease_until <= now() AS released, error FROM pricing.jobs WHERE id = $1`,
      [jobId],
    );
    expect(row).toEqual({ status: 'running', processed: 10, released: true, error: null });
    expect(await h.runner(null).runOnce()).toBe(jobId); // no lease to wait out
    expect(await h.admin.job({ jobId })).toMatchObject({ status: 'completed', processed: 40, changed: 40 });
    await reset(before);
  });

  it('a job that keeps failing is marked failed with the reason; what was applied is counted', async () => {
    const before = await h.prices();
    const { jobId } = await h.admin.recalculate({ rules: plus10 });
    const flaky = h.runner(null, {
      batchSize: 7,
      maxAttempts: 2,
      afterBatch: () => Promise.reject(new Error('disk on fire')),
    });
    await flaky.drain();
    expect(await h.admin.job({ jobId })).toMatchObject({
      status: 'failed',
      processed: 14,
      changed: 14,
      error: 'disk on fire',
    });
    expect(await h.runner(null).runOnce()).toBeNull(); // a failed job is not picked up again
    await reset(before);
  });

  it('a windowed rule set in the future stores catalog promotions and changes nothing until it starts', async () => {
    const before = await h.prices();
    const window = await dbWindow(3_600_000, 7_200_000);
    const { jobId } = await h.admin.recalculate({
      rules: [{ adjust: { kind: 'percent', value: -20 } }],
      scope: { categoryIds: [home] },
      window,
    });
    await h.runner(null).drain();
    expect(await h.admin.job({ jobId })).toMatchObject({ status: 'completed', changed: 20 });
    expect(await h.prices()).toEqual(before);
    expect(await h.priceEvents(jobId)).toEqual([]);
    expect((await h.catalog.getSkus(allSkus)).map((s) => s.price)).toEqual(allSkus.map((id) => before.get(id)));
    const promos = await h.q<{ sku_id: string; price: number; base_price: number; starts_at: Date; state: string }>(
      `SELECT sku_id, price, base_price, starts_at, state FROM catalog.sku_promotions WHERE job_id = $1`,
      [jobId],
    );
    expect(promos.map((p) => p.sku_id).sort()).toEqual([...kitchenSkus].sort());
    for (const p of promos) {
      expect(p.base_price).toBe(before.get(p.sku_id));
      expect(p.price).toBe(p.base_price - Math.round(p.base_price / 5));
      expect([p.starts_at.toISOString(), p.state]).toEqual([window.startsAt, 'scheduled']);
    }
  });

  it('a window already begun shows at once (one price_changed per batch); a plain job meanwhile moves base prices only', async () => {
    const before = await h.prices();
    await h.catalog.getSkus(allSkus); // cached: the job must drop them
    const window = await dbWindow(-1000, 3_600_000);
    const { jobId } = await h.admin.recalculate({
      rules: [{ adjust: { kind: 'percent', value: -20 } }],
      scope: { categoryIds: [home] },
      window,
    });
    await h.runner(pool, { batchSize: 7, inlineThreshold: 0 }).drain();
    expect(await h.admin.job({ jobId })).toMatchObject({ status: 'completed', processed: 20, changed: 20 });
    const promo = (id: string) => before.get(id)! - Math.round(before.get(id)! / 5);
    const views = await h.catalog.getSkus(allSkus);
    for (const v of views)
      expect([v.price, v.basePrice], v.skuId).toEqual([
        kitchenSkus.has(v.skuId) ? promo(v.skuId) : before.get(v.skuId),
        before.get(v.skuId),
      ]);
    expect(await h.prices()).toEqual(before); // base prices untouched
    // 20 kitchen SKUs in batches of 7 (the job's scope walks only them): 3 events, old/new = the current prices
    const events = await h.priceEvents(jobId);
    expect(events.map((e) => e.data.changes.length)).toEqual([7, 7, 6]);
    for (const c of events.flatMap((e) => e.data.changes))
      expect([c.oldPrice, c.newPrice]).toEqual([before.get(c.skuId), promo(c.skuId)]);

    // +10 % on everything during the promotion: kitchen base prices move, the customer's prices do not
    const plain = await h.admin.recalculate({ rules: plus10 });
    await h.runner(null).drain();
    expect(await h.admin.job({ jobId: plain.jobId })).toMatchObject({ status: 'completed', changed: 40 });
    const after = await h.catalog.getSkus(allSkus);
    for (const v of after) {
      expect(v.basePrice).toBe(before.get(v.skuId)! + Math.round(before.get(v.skuId)! / 10));
      expect(v.price).toBe(kitchenSkus.has(v.skuId) ? promo(v.skuId) : v.basePrice);
    }
    const told = (await h.priceEvents(plain.jobId)).flatMap((e) => e.data.changes.map((c) => c.skuId));
    expect(told.sort()).toEqual(allSkus.filter((id) => !kitchenSkus.has(id)).sort());
    await reset(before);
  });
});

describe('pricing.admin access and errors', () => {
  it('admins only: a customer gets FORBIDDEN, no token UNAUTHORIZED', async () => {
    const customer = h.caller('customer').pricing.admin;
    expect(await failureCode(customer.recalculate({ rules: plus10 }))).toBe('FORBIDDEN');
    expect(await failureCode(customer.job({ jobId: newId() }))).toBe('FORBIDDEN');
    expect(await failureCode(h.caller().pricing.admin.recalculate({ rules: plus10 }))).toBe('UNAUTHORIZED');
    const [{ n }] = await h.q<{ n: number }>(`SELECT count(*)::int AS n FROM pricing.jobs WHERE created_by = $1`, [
      '00000000-0000-7000-8000-00000000c001',
    ]);
    expect(n).toBe(0);
  });

  it('JOB_NOT_FOUND for an unknown job; BAD_REQUEST for a bad rule', async () => {
    await expect(h.pricing.job(newId())).rejects.toMatchObject({ appCode: 'JOB_NOT_FOUND' });
    expect(await failureCode(h.admin.job({ jobId: newId() }))).toBe('NOT_FOUND');
    expect(await failureCode(h.admin.recalculate({ rules: [{ adjust: { kind: 'percent', value: 5000 } }] }))).toBe(
      'BAD_REQUEST',
    );
  });
});
