import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type PriceChangedV1 } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import {
  createCatalogPricingFeed,
  createPromotionSweeper,
  type CatalogPricingFeed,
  type PromotionSweeper,
} from './index';
import { createHarness, type Harness } from './testing/harness';

let h: Harness;
let feed: CatalogPricingFeed;
let categoryId: string;
const sweepers: PromotionSweeper[] = [];

beforeAll(async () => {
  h = await createHarness('catalogpromos');
  feed = createCatalogPricingFeed(h.platform);
  categoryId = (await h.category()).id;
});
afterAll(async () => {
  await Promise.all(sweepers.map((s) => s.stop()));
  await h?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sweeper = (options: { intervalSeconds?: number; batchSize?: number } = {}) => {
  const s = createPromotionSweeper({ ...h.platform, ...options });
  sweepers.push(s);
  return s;
};

/** A window relative to the database's clock (the clock promotions are judged by), in ms. */
async function window(fromMs: number, toMs: number) {
  const [{ now }] = await h.q<{ now: Date }>(`SELECT now() AS now`);
  return {
    startsAt: new Date(now.getTime() + fromMs).toISOString(),
    endsAt: new Date(now.getTime() + toMs).toISOString(),
  };
}
/** Sleeps until the database's clock has passed `iso` by `slackMs`. */
async function until(iso: string, slackMs = 50) {
  const [{ ms }] = await h.q<{ ms: number }>(
    `SELECT (extract(epoch FROM $1::timestamptz - now()) * 1000)::float8 AS ms`,
    [iso],
  );
  if (ms + slackMs > 0) await sleep(ms + slackMs);
}

/** Whether the database's clock has reached `iso`. */
async function passed(iso: string) {
  const [{ ok }] = await h.q<{ ok: boolean }>(`SELECT now() >= $1::timestamptz AS ok`, [iso]);
  return ok;
}

/** What pricing's job runner does with a windowed batch: the promotions, in one transaction. */
function promote(
  jobId: string,
  promos: { skuId: string; price: number; basePrice: number }[],
  w: { startsAt: string; endsAt: string },
) {
  return h.db.transaction((tx) => feed.applyJobPromotions(promos, { jobId, window: w }, tx));
}

const jobEvents = async (jobId: string) =>
  (await h.events<PriceChangedV1>(EVENTS.catalog.priceChanged, jobId)).map((e) => e.data);
const priceOf = async (skuId: string) => (await h.svc.getSkus([skuId]))[0].price;

describe('promotional prices (windowed pricing jobs)', () => {
  it('a window already begun shows at once everywhere; its end restores the base by itself, the sweeper publishes it', async () => {
    const p = await h.published({ categoryId }, 2);
    const [a, b] = p.skus;
    // caches filled before the promotion: it must drop them
    expect((await h.pub.product({ id: p.id })).priceMin).toBe(1000);
    expect(await priceOf(a.id)).toBe(1000);
    const jobId = newId();
    const w = await window(-1000, 1500);
    expect(await promote(jobId, [{ skuId: a.id, price: 800, basePrice: 1000 }], w)).toBe(1);

    const promotion = { price: 800, startsAt: w.startsAt, endsAt: w.endsAt };
    const detail = await h.pub.product({ id: p.id });
    expect(detail.skus.map((s) => [s.price, s.basePrice, s.promotion])).toEqual([
      [800, 1000, promotion],
      [1100, 1100, null],
    ]);
    expect([detail.priceMin, detail.priceMax]).toEqual([800, 1100]);
    expect((await h.pub.products({ categoryId })).items.find((i) => i.id === p.id)).toMatchObject({
      priceMin: 800,
      priceMax: 1100,
    });
    expect((await h.svc.getSkus([a.id, b.id])).map((v) => [v.price, v.basePrice, v.promotion])).toEqual([
      [800, 1000, promotion],
      [1100, 1100, null],
    ]);
    expect((await h.pub.skus({ ids: [a.id] }))[0]).toMatchObject({ price: 800, basePrice: 1000, promotion });
    // admins see the base price, and the promotion beside it
    expect((await h.admin.product({ id: p.id })).skus[0]).toMatchObject({ price: 1000, promotion });
    expect(await jobEvents(jobId)).toEqual([
      { changes: [{ skuId: a.id, oldPrice: 1000, newPrice: 800 }], source: 'job', jobId },
    ]);
    // a cached view lives no longer than its promotion
    const { redis, config } = h.platform;
    expect(await redis!.pttl(`${config.REDIS_KEY_PREFIX}c:catalog:v3:sku:${a.id}`)).toBeLessThanOrEqual(1500);

    // Past the end, before any sweep: every read already answers the base price (database clock).
    await until(w.endsAt);
    expect((await h.pub.product({ id: p.id })).skus[0]).toMatchObject({ price: 1000, promotion: null });
    expect(await priceOf(a.id)).toBe(1000);
    expect(await jobEvents(jobId)).toHaveLength(1);
    // The sweep publishes the end (one event), once.
    expect(await sweeper().runOnce()).toEqual({ batches: 1, changed: 1 });
    expect(await sweeper().runOnce()).toEqual({ batches: 1, changed: 0 });
    expect((await jobEvents(jobId))[1]).toEqual({
      changes: [{ skuId: a.id, oldPrice: 800, newPrice: 1000 }],
      source: 'job',
      jobId,
    });
    expect(await h.q(`SELECT state, due_at FROM catalog.sku_promotions WHERE job_id = $1`, [jobId])).toEqual([
      { state: 'ended', due_at: null },
    ]);
    expect((await h.admin.product({ id: p.id })).skus[0]).toMatchObject({ price: 1000, promotion: null });
  });

  it('a window in the future changes nothing until it starts; the running sweeper starts and ends it at its boundaries', async () => {
    // A machine too slow to look before the start, or to see the promotion before its end, gets a
    // new SKU and job with a window twice as wide: the timing decides only whether an attempt counts.
    for (let scale = 1; ; scale *= 2) {
      expect(scale, 'no window was wide enough for this machine').toBeLessThanOrEqual(16);
      const p = await h.published({ categoryId }, 1);
      const sku = p.skus[0].id;
      const jobId = newId();
      const w = await window(1200 * scale, 2600 * scale);
      await promote(jobId, [{ skuId: sku, price: 600, basePrice: 1000 }], w);
      const before = await priceOf(sku); // and now cached, for 300 s
      const shown = (await h.pub.product({ id: p.id })).skus[0].promotion;
      const early = await sweeper().runOnce();
      const published = await jobEvents(jobId);
      if (await passed(w.startsAt)) continue;
      expect(before).toBe(1000);
      expect(shown).toBeNull();
      expect(early).toEqual({ batches: 1, changed: 0 });
      expect(published).toEqual([]);

      // A long poll interval: only its wake-up at the known boundaries can be on time.
      const running = sweeper({ intervalSeconds: 30 });
      running.start();
      await expect
        .poll(async () => (await priceOf(sku)) === 600 || (await passed(w.endsAt)), { timeout: 60_000, interval: 25 })
        .toBe(true);
      const [{ late, over }] = await h.q<{ late: number; over: boolean }>(
        `SELECT extract(epoch FROM now() - $1::timestamptz)::float8 AS late, now() >= $2::timestamptz AS over`,
        [w.startsAt, w.endsAt],
      );
      if (over) {
        await running.stop();
        continue;
      }
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(30); // woken at the start, not by its 30 s poll
      expect((await h.pub.product({ id: p.id })).skus[0]).toMatchObject({ price: 600, basePrice: 1000 });
      await expect.poll(() => jobEvents(jobId), { timeout: 60_000, interval: 25 }).toHaveLength(2);
      expect(await priceOf(sku)).toBe(1000);
      expect((await jobEvents(jobId)).map((e) => e.changes)).toEqual([
        [{ skuId: sku, oldPrice: 1000, newPrice: 600 }],
        [{ skuId: sku, oldPrice: 600, newPrice: 1000 }],
      ]);
      return;
    }
  });

  it('setSkuPrice during a promotion changes the base only; the end shows the new base', async () => {
    const p = await h.published({ categoryId }, 1);
    const sku = p.skus[0].id;
    const jobId = newId();
    const w = await window(-1000, 1500);
    await promote(jobId, [{ skuId: sku, price: 700, basePrice: 1000 }], w);
    const updated = await h.admin.setSkuPrice({ skuId: sku, price: 1200 });
    expect(updated).toMatchObject({ price: 1200, promotion: { price: 700, endsAt: w.endsAt } });
    expect((await h.pub.product({ id: p.id })).skus[0]).toMatchObject({ price: 700, basePrice: 1200 });
    expect(await priceOf(sku)).toBe(700);
    // the customer's price did not move: no admin price_changed
    expect(await h.events(EVENTS.catalog.priceChanged, p.id)).toEqual([]);

    await until(w.endsAt);
    await sweeper().runOnce();
    expect(await priceOf(sku)).toBe(1200);
    expect((await jobEvents(jobId)).map((e) => e.changes)).toEqual([
      [{ skuId: sku, oldPrice: 1000, newPrice: 700 }],
      [{ skuId: sku, oldPrice: 700, newPrice: 1200 }],
    ]);
    // and a later change of the base is a plain admin price change again
    await h.admin.setSkuPrice({ skuId: sku, price: 1300 });
    expect((await h.events<PriceChangedV1>(EVENTS.catalog.priceChanged, p.id)).map((e) => e.data.changes)).toEqual([
      [{ skuId: sku, oldPrice: 1200, newPrice: 1300 }],
    ]);
  });

  it('priceSince is when the current price took its value: a base change that shows, a promotion starting and ending — nothing else', async () => {
    const p = await h.published({ categoryId }, 1);
    const sku = p.skus[0].id;
    const since = async () => (await h.svc.getSkus([sku]))[0].priceSince;
    const dbNow = async () => (await h.q<{ now: Date }>(`SELECT now() AS now`))[0].now.toISOString();
    const created = await since();
    // Other edits of the product or the SKU leave it.
    await h.admin.updateProduct({ id: p.id, name: h.unique('Renamed'), skus: [{ id: sku, code: h.unique('SKU') }] });
    expect(await since()).toBe(created);
    let before = await dbNow();
    await h.admin.setSkuPrice({ skuId: sku, price: 1200 });
    const changed = await since();
    expect(changed > created && changed >= before).toBe(true);
    before = await dbNow();
    await h.admin.updateProduct({ id: p.id, skus: [{ id: sku, price: 1250 }] });
    expect((await since()) >= before).toBe(true);

    // A promotion (published at once) moves it; a base change hidden under it does not; its end does, at the end.
    const w = await window(-1000, 10_000);
    before = await dbNow();
    await promote(newId(), [{ skuId: sku, price: 700, basePrice: 1250 }], w);
    const started = await since();
    expect(started >= before).toBe(true);
    await h.admin.setSkuPrice({ skuId: sku, price: 1300 });
    expect(await priceOf(sku)).toBe(700);
    expect(await since()).toBe(started);
    await until(w.endsAt);
    await expect.poll(() => priceOf(sku), { timeout: 10_000, interval: 100 }).toBe(1300);
    expect(await since()).toBe(w.endsAt); // before the sweeper publishes the end
    await sweeper().runOnce();
    expect(await since()).toBe(w.endsAt); // and after
  });

  it('a base lowered below the promotional price wins: the customer never pays more than the base', async () => {
    const p = await h.published({ categoryId }, 1);
    const sku = p.skus[0].id;
    const jobId = newId();
    const w = await window(-1000, 1500);
    await promote(jobId, [{ skuId: sku, price: 800, basePrice: 1000 }], w);
    expect(await priceOf(sku)).toBe(800);
    await h.admin.setSkuPrice({ skuId: sku, price: 600 });
    expect((await h.pub.product({ id: p.id })).skus[0]).toMatchObject({
      price: 600,
      basePrice: 600,
      promotion: { price: 800 },
    });
    expect((await h.svc.getSkus([sku]))[0]).toMatchObject({ price: 600, basePrice: 600 });
    expect(await priceOf(sku)).toBe(600);
    // Back above the promotional price: the promotion shows again. Each move of the customer's price is told.
    await h.admin.setSkuPrice({ skuId: sku, price: 900 });
    expect(await priceOf(sku)).toBe(800);
    expect((await h.events<PriceChangedV1>(EVENTS.catalog.priceChanged, p.id)).map((e) => e.data.changes)).toEqual([
      [{ skuId: sku, oldPrice: 800, newPrice: 600 }],
      [{ skuId: sku, oldPrice: 600, newPrice: 800 }],
    ]);
    // The end: from the promotional price back to the base.
    await until(w.endsAt);
    await sweeper().runOnce();
    expect(await priceOf(sku)).toBe(900);
    expect((await jobEvents(jobId)).map((e) => e.changes).at(-1)).toEqual([
      { skuId: sku, oldPrice: 800, newPrice: 900 },
    ]);
  });

  it('overlapping windows: the latest job shows, whatever order they were stored in; the earlier shows again after it', async () => {
    const p = await h.published({ categoryId }, 1);
    const sku = p.skus[0].id;
    const older = newId();
    const newer = newId();
    const short = await window(-1000, 1500);
    const long = await window(-1000, 60_000);
    await promote(newer, [{ skuId: sku, price: 800, basePrice: 1000 }], short);
    await promote(older, [{ skuId: sku, price: 900, basePrice: 1000 }], long);
    expect(await priceOf(sku)).toBe(800);
    expect(await jobEvents(older)).toEqual([]); // stored, but not shown: nothing changed
    await until(short.endsAt);
    await sweeper().runOnce();
    expect((await h.svc.getSkus([sku]))[0]).toMatchObject({
      price: 900,
      promotion: { price: 900, endsAt: long.endsAt },
    });
    // the change is told as the older job's price, now showing
    expect((await jobEvents(older)).map((e) => e.changes)).toEqual([[{ skuId: sku, oldPrice: 800, newPrice: 900 }]]);
  });

  it('two sweepers at once publish every boundary once', async () => {
    // Each boundary must be swept on its own: the start after it passed and before the end. A machine
    // too slow for that (setting up past the start, or sweeping past the end) gets a new job on new
    // SKUs with a window twice as wide — the timing decides only whether an attempt counts, never
    // what is asserted.
    for (let scale = 1; ; scale *= 2) {
      expect(scale, 'no window was wide enough for this machine').toBeLessThanOrEqual(16);
      const p = await h.published({ categoryId }, 40);
      const base = new Map(p.skus.map((s) => [s.id, s.price]));
      const jobId = newId();
      const w = await window(1000 * scale, 3000 * scale);
      await promote(
        jobId,
        p.skus.map((s) => ({ skuId: s.id, price: s.price - 1, basePrice: s.price })),
        w,
      );
      if (await passed(w.startsAt)) continue;
      const [one, two] = [sweeper({ batchSize: 3 }), sweeper({ batchSize: 3 })];
      const sweep = async () => {
        const runs = await Promise.all([one.runOnce(), two.runOnce(), one.runOnce(), two.runOnce()]);
        return runs.reduce((n, r) => n + r.changed, 0);
      };
      await until(w.startsAt);
      const started = await sweep();
      if (await passed(w.endsAt)) continue;
      expect(started).toBe(40);
      await until(w.endsAt);
      expect(await sweep()).toBe(40);

      const changes = (await jobEvents(jobId)).flatMap((e) => e.changes);
      expect(changes).toHaveLength(80);
      const starts = changes.filter((c) => c.newPrice < c.oldPrice);
      expect(starts.map((c) => c.skuId).sort()).toEqual([...base.keys()].sort());
      for (const c of starts) expect([c.oldPrice, c.newPrice]).toEqual([base.get(c.skuId), base.get(c.skuId)! - 1]);
      expect(
        changes
          .filter((c) => c.newPrice > c.oldPrice)
          .map((c) => c.skuId)
          .sort(),
      ).toEqual([...base.keys()].sort());
      expect((await h.svc.getSkus([...base.keys()])).map((v) => v.price)).toEqual([...base.values()]);
      return;
    }
  });

  it('a window already over is not stored; a repeated batch of a job stores nothing twice', async () => {
    const p = await h.published({ categoryId }, 1);
    const sku = p.skus[0].id;
    expect(await promote(newId(), [{ skuId: sku, price: 1, basePrice: 1000 }], await window(-5000, -1000))).toBe(0);
    const jobId = newId();
    const w = await window(-1000, 60_000);
    expect(await promote(jobId, [{ skuId: sku, price: 500, basePrice: 1000 }], w)).toBe(1);
    expect(await promote(jobId, [{ skuId: sku, price: 400, basePrice: 1000 }], w)).toBe(0);
    expect(await priceOf(sku)).toBe(500);
    expect(await jobEvents(jobId)).toHaveLength(1);
  });
});
