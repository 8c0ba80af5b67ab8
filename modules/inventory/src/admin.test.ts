import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS, type InventoryAdjustedV1 } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { ADMIN_ID, cart, createHarness, failure } from './testing/harness';

const h = await createHarness('admin');
afterAll(() => h.close());

const admin = h.caller('admin');
const key = () => `key-${newId()}`;

describe('public reads', () => {
  it('shows available and a status, never on-hand or reserved counts', async () => {
    const sku = await h.newSku(30, 5);
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 26 }]);
    const one = await h.caller().inventory.get({ skuId: sku });
    expect(one).toEqual({ skuId: sku, available: 4, status: 'low_stock' });
    const many = await h.caller('customer').inventory.getMany({ skuIds: [sku, newId()] });
    expect(many).toEqual([one]);
    for (const body of [one, ...many]) {
      expect(Object.keys(body).sort()).toEqual(['available', 'skuId', 'status']);
    }
  });

  it('answers SKU_NOT_FOUND for an unknown SKU and BAD_REQUEST with the field for bad input', async () => {
    const nf = await failure(h, h.caller().inventory.get({ skuId: newId() }));
    expect([nf.code, nf.data.appCode]).toEqual(['NOT_FOUND', 'SKU_NOT_FOUND']);
    const tooMany = await failure(
      h,
      h.caller().inventory.getMany({ skuIds: Array.from({ length: 201 }, () => newId()) }),
    );
    expect(tooMany.code).toBe('BAD_REQUEST');
    expect(tooMany.data.zodError?.fieldErrors.skuIds).toBeDefined();
    const bad = await failure(h, h.caller().inventory.get({ skuId: 'not-a-uuid' }));
    expect(bad.data.zodError?.fieldErrors.skuId).toBeDefined();
  });
});

describe('admin procedures', () => {
  it('refuse a customer (FORBIDDEN) and an anonymous caller (UNAUTHORIZED)', async () => {
    const sku = await h.newSku(1);
    const calls = (c: ReturnType<typeof h.caller>) => [
      c.inventory.admin.get({ skuId: sku }),
      c.inventory.admin.getMany({ skuIds: [sku] }),
      c.inventory.admin.adjust({ skuId: sku, mode: 'ADD', quantity: 1, reason: 'x', idempotencyKey: key() }),
      c.inventory.admin.setThreshold({ skuId: sku, threshold: 1 }),
      c.inventory.admin.lowStock({}),
      c.inventory.admin.transactions({ skuId: sku }),
      c.inventory.admin.releaseExpired(),
      c.inventory.admin.audit(),
    ];
    for (const call of calls(h.caller('customer'))) {
      const e = await failure(h, call);
      expect([e.code, e.data.appCode]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    }
    for (const call of calls(h.caller())) expect((await failure(h, call)).code).toBe('UNAUTHORIZED');
    expect(await h.stock(sku)).toEqual({ onHand: 1, reserved: 0 });
  });

  it('shows full counts to an admin', async () => {
    const sku = await h.newSku(9, 3);
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 2 }]);
    expect(await admin.inventory.admin.get({ skuId: sku })).toMatchObject({
      skuId: sku,
      onHand: 9,
      reserved: 2,
      available: 7,
      lowStockThreshold: 3,
      status: 'in_stock',
    });
    expect(await admin.inventory.admin.getMany({ skuIds: [sku] })).toHaveLength(1);
  });

  it('adjusts once per idempotency key; the same key with another input is IDEMPOTENCY_CONFLICT', async () => {
    const sku = await h.newSku(10);
    const input = { skuId: sku, mode: 'ADD' as const, quantity: 5, reason: 'delivery', idempotencyKey: key() };
    const [a, b] = await Promise.all([admin.inventory.admin.adjust(input), admin.inventory.admin.adjust(input)]);
    const c = await admin.inventory.admin.adjust(input);
    expect(a.onHand).toBe(15);
    expect([b, c]).toEqual([a, a]);
    expect(await h.stock(sku)).toEqual({ onHand: 15, reserved: 0 });
    const e = await failure(h, admin.inventory.admin.adjust({ ...input, quantity: 6 }));
    expect([e.code, e.data.appCode]).toEqual(['CONFLICT', 'IDEMPOTENCY_CONFLICT']);
    const adjusts = (await h.ledger(sku)).filter((l) => l.type === 'ADJUST');
    expect(adjusts).toHaveLength(1);
    const [ev] = (await h.events<InventoryAdjustedV1>(EVENTS.inventory.adjusted)).filter(
      (x) => x.data.skuId === sku && x.data.source === 'adjust',
    );
    expect(ev.data).toMatchObject({
      mode: 'ADD',
      onHandBefore: 10,
      onHandAfter: 15,
      operator: ADMIN_ID,
      reason: 'delivery',
      refType: 'MANUAL',
    });
  });

  it('refuses SUBTRACT or SET below what is reserved, and below zero (INSUFFICIENT_STOCK)', async () => {
    const sku = await h.newSku(10);
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 4 }]);
    for (const [mode, quantity] of [
      ['SUBTRACT', 7],
      ['SET', 3],
      ['SUBTRACT', 11],
    ] as const) {
      const e = await failure(
        h,
        admin.inventory.admin.adjust({ skuId: sku, mode, quantity, reason: 'count', idempotencyKey: key() }),
      );
      expect([e.code, e.data.appCode]).toEqual(['CONFLICT', 'INSUFFICIENT_STOCK']);
      expect(e.data.details).toMatchObject({ skuId: sku, onHand: 10, reserved: 4, available: 6 });
    }
    expect(
      await admin.inventory.admin.adjust({
        skuId: sku,
        mode: 'SUBTRACT',
        quantity: 6,
        reason: 'count',
        idempotencyKey: key(),
      }),
    ).toMatchObject({ onHand: 4, available: 0, status: 'out_of_stock' });
    expect(
      await admin.inventory.admin.adjust({
        skuId: sku,
        mode: 'SET',
        quantity: 20,
        reason: 'count',
        idempotencyKey: key(),
      }),
    ).toMatchObject({ onHand: 20, reserved: 4 });
    expect(
      (await h.ledger(sku))
        .filter((l) => l.type === 'ADJUST')
        .map((l) => [l.quantity, l.on_hand_before, l.on_hand_after]),
    ).toEqual([
      [6, 10, 4],
      [16, 4, 20],
    ]);
    const unknown = await failure(
      h,
      admin.inventory.admin.adjust({ skuId: newId(), mode: 'ADD', quantity: 1, reason: 'x', idempotencyKey: key() }),
    );
    expect(unknown.data.appCode).toBe('SKU_NOT_FOUND');
    const zero = await failure(
      h,
      admin.inventory.admin.adjust({ skuId: sku, mode: 'ADD', quantity: 0, reason: 'x', idempotencyKey: key() }),
    );
    expect(zero.data.zodError?.fieldErrors.quantity).toBeDefined();
  });

  it('sets thresholds and pages through low stock', async () => {
    const skus = await Promise.all(Array.from({ length: 5 }, () => h.newSku(8, 0)));
    for (const skuId of skus) await admin.inventory.admin.setThreshold({ skuId, threshold: 8 });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.inventory.admin.lowStock({ cursor, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.skuId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    for (const s of skus) expect(seen).toContain(s);
    expect(new Set(seen).size).toBe(seen.length);
    expect(await h.caller().inventory.get({ skuId: skus[0] })).toMatchObject({ status: 'low_stock' });
  });

  it('pages a SKU’s ledger newest first, shaped as docs/api.md says', async () => {
    const sku = await h.newSku(10);
    for (let i = 1; i <= 4; i++) await h.svc.reserve(cart(), [{ skuId: sku, quantity: i }]);
    const first = await admin.inventory.admin.transactions({ skuId: sku, limit: 3 });
    expect(first.items.map((e) => e.quantity)).toEqual([4, 3, 2]);
    expect(Object.keys(first.items[0]).sort()).toEqual(
      [
        'createdAt',
        'id',
        'onHandAfter',
        'onHandBefore',
        'operator',
        'quantity',
        'reason',
        'refId',
        'refType',
        'reservedAfter',
        'reservedBefore',
        'skuId',
        'type',
      ].sort(),
    );
    const second = await admin.inventory.admin.transactions({ skuId: sku, limit: 3, cursor: first.nextCursor! });
    expect(second.items.map((e) => [e.type, e.quantity])).toEqual([
      ['RESERVE', 1],
      ['IN', 10],
    ]);
    expect(second.nextCursor).toBeNull();
    expect((await failure(h, admin.inventory.admin.transactions({ skuId: sku, cursor: 'nope' }))).code).toBe(
      'BAD_REQUEST',
    );
  });

  it('filters a SKU’s ledger by kind of movement and by time, paging within the filter', async () => {
    const sku = await h.newSku(10);
    for (let i = 1; i <= 3; i++) await h.svc.reserve(cart(), [{ skuId: sku, quantity: i }]);
    const reserves = await admin.inventory.admin.transactions({ skuId: sku, types: ['RESERVE'], limit: 2 });
    expect(reserves.items.map((e) => [e.type, e.quantity])).toEqual([
      ['RESERVE', 3],
      ['RESERVE', 2],
    ]);
    const rest = await admin.inventory.admin.transactions({
      skuId: sku,
      types: ['RESERVE'],
      cursor: reserves.nextCursor!,
    });
    expect(rest.items.map((e) => e.quantity)).toEqual([1]);
    expect((await admin.inventory.admin.transactions({ skuId: sku, types: ['IN'] })).items.map((e) => e.type)).toEqual([
      'IN',
    ]);
    const all = (await admin.inventory.admin.transactions({ skuId: sku })).items;
    const newest = all[0].createdAt;
    // [from, to): from the newest row's time on, it is there (and nothing older); before it, only older rows.
    const since = (await admin.inventory.admin.transactions({ skuId: sku, from: newest })).items;
    expect(since.map((e) => e.id)).toContain(all[0].id);
    expect(since.every((e) => e.createdAt >= newest)).toBe(true);
    expect(since.length).toBeLessThan(all.length);
    const before = await admin.inventory.admin.transactions({ skuId: sku, to: newest });
    expect(before.items.every((e) => e.createdAt < newest)).toBe(true);
    expect((await failure(h, admin.inventory.admin.transactions({ skuId: sku, from: 'yesterday' }))).code).toBe(
      'BAD_REQUEST',
    );
  });

  it('releases expired holds on demand', async () => {
    const sku = await h.newSku(3);
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 3 }], { ttlSeconds: 0.05 });
    await new Promise((r) => setTimeout(r, 150));
    expect((await admin.inventory.admin.releaseExpired()).released).toBeGreaterThanOrEqual(1);
    expect((await h.stock(sku)).reserved).toBe(0);
  });
});

describe('audit', () => {
  it('finds a deliberately corrupted stock row and a tampered ledger row', async () => {
    expect((await admin.inventory.admin.audit()).mismatchCount).toBe(0);
    const [a, b] = [await h.newSku(10), await h.newSku(10)];
    await h.svc.reserve(cart(), [{ skuId: b, quantity: 2 }]);
    await h.db.query(`UPDATE inventory.stock SET on_hand = on_hand + 7 WHERE sku_id = $1`, { bind: [a] });
    await h.db.query(`UPDATE inventory.ledger SET quantity = quantity + 1 WHERE sku_id = $1 AND type = 'RESERVE'`, {
      bind: [b],
    });
    const report = await admin.inventory.admin.audit();
    expect(report.mismatchCount).toBe(2);
    expect(report.mismatches).toEqual(
      expect.arrayContaining([
        {
          skuId: a,
          onHand: 17,
          ledgerOnHand: 10,
          reserved: 0,
          ledgerReserved: 0,
          activeReserved: 0,
          inconsistentLedgerRows: 0,
        },
        {
          skuId: b,
          onHand: 10,
          ledgerOnHand: 10,
          reserved: 2,
          ledgerReserved: 2,
          activeReserved: 2,
          inconsistentLedgerRows: 1,
        },
      ]),
    );
    // Put them back so the file's other checks stay meaningful.
    await h.db.query(`UPDATE inventory.stock SET on_hand = on_hand - 7 WHERE sku_id = $1`, { bind: [a] });
    await h.db.query(`UPDATE inventory.ledger SET quantity = quantity - 1 WHERE sku_id = $1 AND type = 'RESERVE'`, {
      bind: [b],
    });
    expect((await h.svc.audit()).mismatchCount).toBe(0);
  });

  it('finds reserved counts that disagree with the active reservations', async () => {
    const sku = await h.newSku(10);
    await h.svc.reserve(cart(), [{ skuId: sku, quantity: 3 }]);
    await h.db.query(`UPDATE inventory.reservations SET status = 'released' WHERE sku_id = $1`, { bind: [sku] });
    const report = await h.svc.audit();
    expect(report.mismatches.find((m) => m.skuId === sku)).toMatchObject({
      reserved: 3,
      activeReserved: 0,
      ledgerReserved: 3,
    });
    await h.db.query(`UPDATE inventory.reservations SET status = 'active' WHERE sku_id = $1`, { bind: [sku] });
  });
});
