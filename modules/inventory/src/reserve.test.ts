import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS, type InventoryLowStockV1, type InventoryReservedV1 } from '@zjmall/contracts';
import { newId, type Locks } from '@zjmall/platform';
import { cart, createHarness, domainFailure, order } from './testing/harness';

const h = await createHarness('reserve');
afterAll(() => h.close());

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('reserve', () => {
  it('sets the owner reservation: a second call changes it by the difference, 0 releases it', async () => {
    const sku = await h.newSku(10);
    const c = cart();
    const first = await h.svc.reserve(c, [{ skuId: sku, quantity: 2 }]);
    expect(first.lines).toEqual([{ skuId: sku, quantity: 2, delta: 2 }]);
    expect(first.expiresAt).not.toBeNull();
    expect((await h.svc.reserve(c, [{ skuId: sku, quantity: 5 }])).lines).toEqual([
      { skuId: sku, quantity: 5, delta: 3 },
    ]);
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 5 });
    expect((await h.svc.reserve(c, [{ skuId: sku, quantity: 1 }])).lines).toEqual([
      { skuId: sku, quantity: 1, delta: -4 },
    ]);
    expect(await h.activeReservations(sku)).toEqual({ n: 1, total: 1 });
    await h.svc.reserve(c, [{ skuId: sku, quantity: 0 }]);
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 0 });
    expect(await h.activeReservations(sku)).toEqual({ n: 0, total: 0 });
    const types = (await h.ledger(sku)).map((l) => `${l.type}:${l.quantity}:${l.reserved_before}->${l.reserved_after}`);
    expect(types).toEqual(['IN:10:0->0', 'RESERVE:2:0->2', 'RESERVE:3:2->5', 'RELEASE:4:5->1', 'RELEASE:1:1->0']);
  });

  it('checks only the increase against what is free, and reports what the owner could hold', async () => {
    const sku = await h.newSku(5);
    const c = cart();
    await h.svc.reserve(c, [{ skuId: sku, quantity: 4 }]);
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 1 }]);
    // 4 held + 0 free: raising to 5 is short; the owner could hold 4.
    const err = await domainFailure(h.svc.reserve(c, [{ skuId: sku, quantity: 5 }]));
    expect(err).toEqual({ appCode: 'INSUFFICIENT_STOCK', details: { skuId: sku, requested: 5, available: 4 } });
    expect(await h.stock(sku)).toEqual({ onHand: 5, reserved: 5 });
  });

  it('reserves several SKUs all or nothing: one short SKU reserves none', async () => {
    const [a, b, c] = [await h.newSku(10), await h.newSku(1), await h.newSku(10)];
    const o = order();
    const err = await domainFailure(
      h.svc.reserve(o, [
        { skuId: a, quantity: 3 },
        { skuId: b, quantity: 2 },
        { skuId: c, quantity: 3 },
      ]),
    );
    expect(err).toEqual({ appCode: 'INSUFFICIENT_STOCK', details: { skuId: b, requested: 2, available: 1 } });
    for (const s of [a, b, c]) {
      expect((await h.stock(s)).reserved).toBe(0);
      expect(await h.activeReservations(s)).toEqual({ n: 0, total: 0 });
      expect((await h.ledger(s)).map((l) => l.type)).toEqual(['IN']);
    }
    const ok = await h.svc.reserve(o, [
      { skuId: a, quantity: 3 },
      { skuId: b, quantity: 1 },
    ]);
    expect(ok.expiresAt).toBeNull(); // order reservations do not expire on their own
    expect((await h.stock(b)).reserved).toBe(1);
  });

  it('answers SKU_NOT_FOUND for an unknown SKU, alone or among others', async () => {
    const known = await h.newSku(3);
    const unknown = newId();
    expect((await domainFailure(h.svc.reserve(cart(), [{ skuId: unknown, quantity: 1 }]))).appCode).toBe(
      'SKU_NOT_FOUND',
    );
    const err = await domainFailure(
      h.svc.reserve(cart(), [
        { skuId: known, quantity: 1 },
        { skuId: unknown, quantity: 1 },
      ]),
    );
    expect(err.appCode).toBe('SKU_NOT_FOUND');
    expect((await h.stock(known)).reserved).toBe(0);
  });

  it('records reserved events, and low_stock once when available crosses the threshold downward', async () => {
    const sku = await h.newSku(12, 5);
    const c = cart();
    await h.svc.reserve(c, [{ skuId: sku, quantity: 6 }]); // 12 → 6: above 5
    await h.svc.reserve(c, [{ skuId: sku, quantity: 8 }]); // 6 → 4: crosses
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 1 }]); // 4 → 3: already low
    const reserved = (await h.events<InventoryReservedV1>(EVENTS.inventory.reserved)).filter(
      (e) => e.data.lines[0].skuId === sku,
    );
    expect(reserved.map((e) => e.data.lines[0].delta)).toEqual([6, 2, 1]);
    expect(reserved[0]).toMatchObject({ aggregate_id: c.id, version: 1, data: { owner: c } });
    const low = (await h.events<InventoryLowStockV1>(EVENTS.inventory.lowStock)).filter((e) => e.data.skuId === sku);
    expect(low.map((e) => e.data)).toEqual([{ skuId: sku, available: 4, threshold: 5, onHand: 12 }]);
  });

  it('shows the new availability to the next read (the writer invalidates the cache before answering)', async () => {
    const sku = await h.newSku(20);
    expect(await h.svc.getPublic([sku])).toEqual([{ skuId: sku, available: 20, status: 'in_stock' }]);
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 15 }]);
    expect(await h.svc.getPublic([sku])).toEqual([{ skuId: sku, available: 5, status: 'low_stock' }]);
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 5 }]);
    expect(await h.svc.getPublicOne(sku)).toEqual({ skuId: sku, available: 0, status: 'out_of_stock' });
  });

  it('caches an unknown SKU as unknown until its stock is created', async () => {
    const sku = newId();
    expect(await h.svc.getPublic([sku])).toEqual([]);
    await sleep(20); // the fill is not awaited by the reader
    const cached = await h.platform.cache.get<unknown>(`inv:pub:${sku}`);
    expect(cached).toBeNull();
    await h.db.transaction((tx) =>
      h.svc.initStock(tx, [{ skuId: sku, onHand: 7 }], { operator: 'test', reason: 'x', refType: 'IMPORT' }),
    );
    expect(await h.svc.getPublic([sku, sku])).toEqual([{ skuId: sku, available: 7, status: 'low_stock' }]);
  });

  it("reserves inside the caller's transaction: a rollback leaves nothing, a commit keeps it", async () => {
    const sku = await h.newSku(4);
    const o = order();
    await expect(
      h.db.transaction(async (tx) => {
        await h.svc.reserve(o, [{ skuId: sku, quantity: 3 }], { tx });
        throw new Error('checkout failed later');
      }),
    ).rejects.toThrow('checkout failed later');
    expect(await h.stock(sku)).toEqual({ onHand: 4, reserved: 0 });
    expect(await h.activeReservations(sku)).toEqual({ n: 0, total: 0 });
    await h.db.transaction((tx) => h.svc.reserve(o, [{ skuId: sku, quantity: 3 }], { tx }));
    expect(await h.stock(sku)).toEqual({ onHand: 4, reserved: 3 });
    expect(await h.svc.getPublicOne(sku)).toMatchObject({ available: 1 });
  });
});

describe('coalescing', () => {
  it('serves concurrent single-SKU reservations in a few batches, each answered on its own', async () => {
    let batches = 0;
    const svc = h.service({ hooks: { insideLock: () => void batches++ } });
    const sku = await h.newSku(120);
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, () => svc.reserve(cart(), [{ skuId: sku, quantity: 1 }])),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const short = results.filter(
      (r) => r.status === 'rejected' && (r.reason as { appCode?: string }).appCode === 'INSUFFICIENT_STOCK',
    ).length;
    expect({ ok, short }).toEqual({ ok: 120, short: 180 });
    expect(batches).toBeLessThanOrEqual(10);
    expect(await h.stock(sku)).toEqual({ onHand: 120, reserved: 120 });
    expect(await h.activeReservations(sku)).toEqual({ n: 120, total: 120 });
    const ledger = await h.ledger(sku);
    expect(ledger.filter((l) => l.type === 'RESERVE')).toHaveLength(120);
    // Rows chain: each one starts where the previous one ended.
    for (let i = 1; i < ledger.length; i++) expect(ledger[i].reserved_before).toBe(ledger[i - 1].reserved_after);
  });

  it('serves reservations of many quiet SKUs together; one short SKU fails alone', async () => {
    let batches = 0;
    const svc = h.service({ hooks: { insideLock: () => void batches++ } });
    const skus = await Promise.all(Array.from({ length: 40 }, (_, i) => h.newSku(i === 7 ? 0 : 3)));
    const results = await Promise.allSettled(skus.map((skuId) => svc.reserve(cart(), [{ skuId, quantity: 2 }])));
    expect(results.map((r) => r.status)).toEqual(skus.map((_, i) => (i === 7 ? 'rejected' : 'fulfilled')));
    expect((results[7] as PromiseRejectedResult).reason).toMatchObject({
      appCode: 'INSUFFICIENT_STOCK',
      details: { skuId: skus[7], requested: 2, available: 0 },
    });
    expect(batches).toBeLessThanOrEqual(2);
    for (const [i, s] of skus.entries()) expect((await h.stock(s)).reserved).toBe(i === 7 ? 0 : 2);
  });

  it('applies one owner’s repeated requests of a batch in order', async () => {
    const sku = await h.newSku(10);
    const c = cart();
    const [a, b, z] = await Promise.all([
      h.svc.reserve(c, [{ skuId: sku, quantity: 3 }]),
      h.svc.reserve(c, [{ skuId: sku, quantity: 7 }]),
      h.svc.reserve(c, [{ skuId: sku, quantity: 2 }]),
    ]);
    expect([a.lines[0].delta, b.lines[0].delta, z.lines[0].delta]).toEqual([3, 4, -5]);
    expect(await h.activeReservations(sku)).toEqual({ n: 1, total: 2 });
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 2 });
  });

  it('never oversells when the lock gives no exclusion at all: the fence and row locks hold', async () => {
    // Two services (two coalescers, as in two processes) whose "lock" lets everyone in at once,
    // i.e. a lock that has always already expired; each batch stalls inside it.
    const open: Locks = {
      mode: 'in-process',
      withLocks: (_keys, fn) => fn(new AbortController().signal),
      close: async () => {},
    };
    const stall = { insideLock: () => sleep(15) };
    const one = h.service({ hooks: stall, maxBatch: 7 }, open);
    const two = h.service({ hooks: stall, maxBatch: 5 }, open);
    const sku = await h.newSku(50);
    const calls = Array.from({ length: 200 }, (_, i) =>
      (i % 2 ? one : two).reserve(cart(), [{ skuId: sku, quantity: 1 }]),
    );
    // Multi-SKU reservations on the same SKU join the race through the general path.
    const other = await h.newSku(1000);
    const multi = Array.from({ length: 20 }, () =>
      one.reserve(order(), [
        { skuId: sku, quantity: 1 },
        { skuId: other, quantity: 1 },
      ]),
    );
    const results = await Promise.allSettled([...calls, ...multi]);
    const rejected = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason as { appCode?: string });
    expect(rejected.every((e) => e.appCode === 'INSUFFICIENT_STOCK')).toBe(true);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
    expect(await h.stock(sku)).toEqual({ onHand: 50, reserved: 50 });
    expect(await h.activeReservations(sku)).toEqual({ n: 50, total: 50 });
  });
});
