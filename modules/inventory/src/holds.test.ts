import { afterAll, describe, expect, it } from 'vitest';
import {
  EVENTS,
  type InventoryDeductedV1,
  type InventoryReleasedV1,
  type InventoryReservedV1,
} from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { createInventorySweeper } from './index';
import { cart, createHarness, domainFailure, order } from './testing/harness';

const h = await createHarness('holds');
afterAll(() => h.close());

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('release, extend', () => {
  it('releases some or all of an owner’s reservations, with ledger rows and an event', async () => {
    const [a, b] = [await h.newSku(10), await h.newSku(10)];
    const o = order();
    await h.svc.reserve(o, [
      { skuId: a, quantity: 2 },
      { skuId: b, quantity: 3 },
    ]);
    expect(await h.svc.release(o, [a])).toEqual({ owner: o, lines: [{ skuId: a, quantity: 2 }] });
    expect((await h.stock(a)).reserved).toBe(0);
    expect((await h.stock(b)).reserved).toBe(3);
    const all = await h.svc.release(o, undefined, { reason: 'order cancelled' });
    expect(all.lines).toEqual([{ skuId: b, quantity: 3 }]);
    expect((await h.stock(b)).reserved).toBe(0);
    expect((await h.svc.release(o)).lines).toEqual([]);
    const events = (await h.events<InventoryReleasedV1>(EVENTS.inventory.released)).filter(
      (e) => e.aggregate_id === o.id,
    );
    expect(events.map((e) => e.data)).toEqual([
      { owner: o, lines: [{ skuId: a, quantity: 2 }], reason: 'released', note: null },
      { owner: o, lines: [{ skuId: b, quantity: 3 }], reason: 'released', note: 'order cancelled' },
    ]);
    expect((await h.ledger(b)).at(-1)).toMatchObject({
      type: 'RELEASE',
      quantity: 3,
      reserved_before: 3,
      reserved_after: 0,
      ref_type: 'ORDER',
      ref_id: o.id,
    });
  });

  it('extends a cart’s holds from the database clock', async () => {
    const sku = await h.newSku(5);
    const c = cart();
    const r = await h.svc.reserve(c, [{ skuId: sku, quantity: 1 }], { ttlSeconds: 60 });
    const ext = await h.svc.extend(c, 3600);
    expect(ext.extended).toBe(1);
    expect(Date.parse(ext.expiresAt!) - Date.parse(r.expiresAt!)).toBeGreaterThan(3500_000);
    expect(await h.svc.extend(order(), 60)).toEqual({ extended: 0, expiresAt: null });
  });
});

describe('consume, transfer, returnStock', () => {
  it('consumes at payment: on hand and reserved fall together, ledger OUT, event deducted', async () => {
    const sku = await h.newSku(10);
    const o = order();
    await h.svc.reserve(o, [{ skuId: sku, quantity: 4 }]);
    const consumed = await h.db.transaction((tx) => h.svc.consume(o, tx));
    expect(consumed.lines).toEqual([{ skuId: sku, quantity: 4 }]);
    expect(await h.stock(sku)).toEqual({ onHand: 6, reserved: 0 });
    expect(await h.activeReservations(sku)).toEqual({ n: 0, total: 0 });
    expect((await h.ledger(sku)).at(-1)).toMatchObject({
      type: 'OUT',
      quantity: 4,
      on_hand_before: 10,
      on_hand_after: 6,
      reserved_before: 4,
      reserved_after: 0,
    });
    const [ev] = (await h.events<InventoryDeductedV1>(EVENTS.inventory.deducted)).filter(
      (e) => e.aggregate_id === o.id,
    );
    expect(ev.data).toEqual({ owner: o, lines: [{ skuId: sku, quantity: 4 }] });
    // Consuming again finds nothing: no second deduction.
    expect((await h.db.transaction((tx) => h.svc.consume(o, tx))).lines).toEqual([]);
    expect(await h.stock(sku)).toEqual({ onHand: 6, reserved: 0 });
  });

  it('moves cart holds to the order without a gap: reserved stays constant, and a rollback moves nothing', async () => {
    const [a, b, kept] = [await h.newSku(5), await h.newSku(5), await h.newSku(5)];
    const c = cart();
    const o = order();
    await h.svc.reserve(c, [
      { skuId: a, quantity: 2 },
      { skuId: b, quantity: 3 },
      { skuId: kept, quantity: 1 },
    ]);
    await h.svc.reserve(o, [{ skuId: b, quantity: 1 }]); // the order already holds one of b: merged
    await expect(
      h.db.transaction(async (tx) => {
        await h.svc.transfer(c, o, { tx, skuIds: [a, b] });
        throw new Error('order insert failed');
      }),
    ).rejects.toThrow('order insert failed');
    expect((await h.stock(a)).reserved).toBe(2);

    const before = [(await h.stock(a)).reserved, (await h.stock(b)).reserved];
    const moved = await h.db.transaction((tx) => h.svc.transfer(c, o, { tx, skuIds: [a, b] }));
    expect([(await h.stock(a)).reserved, (await h.stock(b)).reserved]).toEqual(before);
    expect(moved.lines).toEqual(
      [
        { skuId: a, quantity: 2 },
        { skuId: b, quantity: 3 },
      ].sort((x, y) => (x.skuId < y.skuId ? -1 : 1)),
    );
    expect(await h.stock(a)).toEqual({ onHand: 5, reserved: 2 });
    expect(await h.stock(b)).toEqual({ onHand: 5, reserved: 4 });
    const rows = await h.q<{ owner_type: string; sku_id: string; quantity: number; expires_at: Date | null }>(
      `SELECT owner_type, sku_id, quantity, expires_at FROM inventory.reservations WHERE status = 'active' AND owner_id IN ($1, $2) ORDER BY sku_id`,
      [c.id, o.id],
    );
    expect(rows.map((r) => [r.owner_type, r.sku_id, r.quantity, r.expires_at])).toEqual(
      [
        ['order', a, 2, null],
        ['order', b, 4, null],
        ['cart', kept, 1, expect.any(Date)],
      ].sort((x, y) => ((x[1] as string) < (y[1] as string) ? -1 : 1)),
    );
    // The ledger tells the story, and its rows still add up.
    expect((await h.ledger(a)).slice(-2).map((l) => [l.type, l.ref_type, l.reserved_before, l.reserved_after])).toEqual(
      [
        ['RELEASE', 'CART', 2, 0],
        ['RESERVE', 'ORDER', 0, 2],
      ],
    );
    const reserved = (await h.events<InventoryReservedV1>(EVENTS.inventory.reserved)).filter(
      (e) => e.data.transferredFrom,
    );
    expect(reserved.at(-1)?.data).toMatchObject({ owner: o, transferredFrom: c, expiresAt: null });
    expect((await h.svc.audit()).mismatches).toEqual([]);
  });

  it('returns refunded items to on hand (ledger IN, ref ORDER), refusing an unknown SKU', async () => {
    const sku = await h.newSku(3);
    const refId = newId();
    await h.db.transaction((tx) =>
      h.svc.returnStock(
        tx,
        [
          { skuId: sku, quantity: 1 },
          { skuId: sku, quantity: 1 },
        ],
        { operator: 'refund', reason: 'refund', refType: 'ORDER', refId },
      ),
    );
    expect(await h.stock(sku)).toEqual({ onHand: 5, reserved: 0 });
    expect((await h.ledger(sku)).at(-1)).toMatchObject({ type: 'IN', quantity: 2, ref_type: 'ORDER', ref_id: refId });
    const err = await domainFailure(
      h.db.transaction((tx) =>
        h.svc.returnStock(tx, [{ skuId: newId(), quantity: 1 }], { operator: 'x', reason: 'x', refType: 'ORDER' }),
      ),
    );
    expect(err.appCode).toBe('SKU_NOT_FOUND');
  });

  it('creates stock once: a repeated initStock leaves existing SKUs alone', async () => {
    const sku = newId();
    const by = { operator: 'seed', reason: 'seed', refType: 'IMPORT' as const };
    expect(
      await h.db.transaction((tx) => h.svc.initStock(tx, [{ skuId: sku, onHand: 8, lowStockThreshold: 2 }], by)),
    ).toEqual({ created: [sku] });
    expect(await h.db.transaction((tx) => h.svc.initStock(tx, [{ skuId: sku, onHand: 99 }], by))).toEqual({
      created: [],
    });
    expect(await h.svc.getAdminOne(sku)).toMatchObject({
      onHand: 8,
      reserved: 0,
      lowStockThreshold: 2,
      status: 'in_stock',
    });
    expect((await h.ledger(sku)).map((l) => [l.type, l.quantity, l.ref_type])).toEqual([['IN', 8, 'IMPORT']]);
  });
});

describe('the sweeper', () => {
  it('releases cart holds once they expire (database clock), and only those', async () => {
    const sku = await h.newSku(10);
    const short = cart();
    const long = cart();
    // Long enough that a loaded machine still checks before it expires.
    await h.svc.reserve(short, [{ skuId: sku, quantity: 2 }], { ttlSeconds: 1.5 });
    await h.svc.reserve(long, [{ skuId: sku, quantity: 3 }], { ttlSeconds: 600 });
    await h.svc.reserve(order(), [{ skuId: sku, quantity: 1 }]);
    expect((await h.svc.releaseExpired()).released).toBe(0);
    await sleep(1600);
    expect(await h.svc.releaseExpired()).toEqual({ released: 1 });
    expect(await h.stock(sku)).toEqual({ onHand: 10, reserved: 4 });
    expect((await h.ledger(sku)).at(-1)).toMatchObject({
      type: 'RELEASE',
      quantity: 2,
      ref_type: 'CART',
      ref_id: short.id,
    });
    const [ev] = (await h.events<InventoryReleasedV1>(EVENTS.inventory.released)).filter(
      (e) => e.aggregate_id === short.id,
    );
    expect(ev.data).toEqual({ owner: short, lines: [{ skuId: sku, quantity: 2 }], reason: 'expired' });
    expect(await h.svc.getPublicOne(sku)).toMatchObject({ available: 6 });
  });

  it('releases each expired hold exactly once with two sweepers running at once', async () => {
    const skus = await Promise.all(Array.from({ length: 12 }, () => h.newSku(100)));
    const carts = Array.from({ length: 30 }, () => cart());
    for (const [i, c] of carts.entries()) {
      await h.svc.reserve(
        c,
        [0, 1, 2].map((k) => ({ skuId: skus[(i + k * 5) % skus.length], quantity: 1 + k })),
        { ttlSeconds: 0.2 },
      );
    }
    await sleep(300);
    const [one, two] = await Promise.all([h.svc.releaseExpired(), h.service().releaseExpired()]);
    expect(one.released + two.released).toBe(90);
    const [{ n }] = await h.q<{ n: number }>(
      `SELECT count(*)::int AS n FROM inventory.ledger WHERE type = 'RELEASE' AND ref_id = ANY($1::text[])`,
      [carts.map((c) => c.id)],
    );
    expect(n).toBe(90);
    for (const s of skus) expect((await h.stock(s)).reserved).toBe(0);
    expect((await h.svc.audit()).mismatches).toEqual([]);
  });

  it('runs every interval until stopped', async () => {
    const sku = await h.newSku(5);
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 5 }], { ttlSeconds: 0.1 });
    const sweeper = createInventorySweeper({ inventory: h.svc, intervalSeconds: 0.05, log: h.env.log });
    sweeper.start();
    try {
      for (let i = 0; i < 100 && (await h.stock(sku)).reserved > 0; i++) await sleep(20);
    } finally {
      await sweeper.stop();
    }
    expect(await h.stock(sku)).toEqual({ onHand: 5, reserved: 0 });
  });
});

describe('a writer that waited for the stock rows reads the reservations again', () => {
  // lockWithReservations reads reservations in its statement's snapshot; these changes commit while
  // that statement waits for the row lock, so the snapshot's are stale and must not be used.
  const active = (skuId: string) =>
    h.q<{ owner_type: string; owner_id: string; quantity: number }>(
      `SELECT owner_type, owner_id, quantity FROM inventory.reservations WHERE sku_id = $1 AND status = 'active' ORDER BY owner_type`,
      [skuId],
    );

  it('a release', async () => {
    const s = await h.newSku(10);
    const c = cart();
    await h.svc.reserve(c, [{ skuId: s, quantity: 2 }]);
    const other = await h.db.transaction();
    await h.svc.release(c, undefined, { tx: other });
    const waiting = h.svc.reserve(c, [{ skuId: s, quantity: 5 }]);
    await sleep(300);
    await other.commit();
    await waiting;
    expect(await h.stock(s)).toEqual({ onHand: 10, reserved: 5 });
    expect(await active(s)).toEqual([{ owner_type: 'cart', owner_id: c.id, quantity: 5 }]);
    expect((await h.svc.audit()).mismatches).toEqual([]);
  });

  it('a transfer to an order (reserved unchanged: the stock row is written all the same)', async () => {
    const s = await h.newSku(10);
    const c = cart();
    const o = order();
    await h.svc.reserve(c, [{ skuId: s, quantity: 2 }]);
    const other = await h.db.transaction();
    await h.svc.transfer(c, o, { tx: other, skuIds: [s] });
    const waiting = h.svc.reserve(c, [{ skuId: s, quantity: 3 }]);
    await sleep(300);
    await other.commit();
    await waiting;
    // The order keeps its 2; the cart holds 3 anew.
    expect(await h.stock(s)).toEqual({ onHand: 10, reserved: 5 });
    expect(await active(s)).toEqual([
      { owner_type: 'cart', owner_id: c.id, quantity: 3 },
      { owner_type: 'order', owner_id: o.id, quantity: 2 },
    ]);
    expect((await h.svc.audit()).mismatches).toEqual([]);
  });
});
