import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS, type InventoryAdjustedV1, type InventoryLowStockV1 } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { ADMIN_ID, cart, createHarness, failure } from './testing/harness';

const h = await createHarness('adjustmany');
afterAll(() => h.close());

const admin = h.caller('admin').inventory.admin;
const key = () => `key-${newId()}`;
const adjusts = async (skuId: string) => (await h.ledger(skuId)).filter((l) => l.type === 'ADJUST');
const adjustedEvents = async (skuIds: string[]) =>
  (await h.events<InventoryAdjustedV1>(EVENTS.inventory.adjusted)).filter(
    (e) => skuIds.includes(e.data.skuId) && e.data.source === 'adjust',
  );

describe('inventory.admin.adjustMany', () => {
  it('applies every item in one go: views in the order given, one ADJUST ledger row and one adjusted event per item', async () => {
    const [a, b, c] = [await h.newSku(10), await h.newSku(20, 5), await h.newSku(17)];
    await h.svc.reserve(cart(), [{ skuId: b, quantity: 2 }]);
    expect(await h.caller().inventory.get({ skuId: b })).toMatchObject({ available: 18, status: 'in_stock' }); // cached

    const views = await admin.adjustMany({
      items: [
        { skuId: c, mode: 'SET', quantity: 0 },
        { skuId: a, mode: 'ADD', quantity: 5 },
        { skuId: b, mode: 'SUBTRACT', quantity: 14 },
      ],
      reason: '盘点',
      idempotencyKey: key(),
    });
    expect(views.map((v) => [v.skuId, v.onHand, v.reserved, v.available, v.status])).toEqual([
      [c, 0, 0, 0, 'out_of_stock'],
      [a, 15, 0, 15, 'in_stock'],
      [b, 6, 2, 4, 'low_stock'],
    ]);
    expect(await h.caller().inventory.get({ skuId: b })).toMatchObject({ available: 4, status: 'low_stock' }); // not the cached 18
    expect((await adjusts(a)).map((l) => [l.quantity, l.on_hand_before, l.on_hand_after, l.ref_type])).toEqual([
      [5, 10, 15, 'MANUAL'],
    ]);
    expect((await adjusts(b)).map((l) => [l.quantity, l.on_hand_before, l.on_hand_after])).toEqual([[14, 20, 6]]);
    expect((await adjusts(c)).map((l) => [l.quantity, l.on_hand_before, l.on_hand_after])).toEqual([[17, 17, 0]]);
    const events = await adjustedEvents([a, b, c]);
    expect(
      events.map((e) => [
        e.data.skuId,
        e.data.mode,
        e.data.onHandBefore,
        e.data.onHandAfter,
        e.data.operator,
        e.data.reason,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [a, 'ADD', 10, 15, ADMIN_ID, '盘点'],
        [b, 'SUBTRACT', 20, 6, ADMIN_ID, '盘点'],
        [c, 'SET', 17, 0, ADMIN_ID, '盘点'],
      ]),
    );
    expect(events).toHaveLength(3);
    const low = (await h.events<InventoryLowStockV1>(EVENTS.inventory.lowStock)).filter((e) =>
      [a, b, c].includes(e.data.skuId),
    );
    expect(low.map((e) => e.data.skuId).sort()).toEqual([b, c].sort());
    expect((await h.svc.audit()).mismatchCount).toBe(0);
  });

  it('changes nothing when one item would go below zero or below what is reserved: INSUFFICIENT_STOCK names that SKU', async () => {
    const [a, b, c] = [await h.newSku(10), await h.newSku(3), await h.newSku(8)];
    await h.svc.reserve(cart(), [{ skuId: c, quantity: 5 }]);
    const cases = [
      {
        bad: { skuId: b, mode: 'SUBTRACT' as const, quantity: 4 },
        badSku: b,
        index: 1,
        details: { onHand: 3, reserved: 0, available: 3 },
      },
      {
        bad: { skuId: c, mode: 'SET' as const, quantity: 4 },
        badSku: c,
        index: 1,
        details: { onHand: 8, reserved: 5, available: 3 },
      },
    ];
    for (const { bad, badSku, index, details } of cases) {
      const items = [
        { skuId: a, mode: 'ADD' as const, quantity: 5 },
        bad,
        { skuId: badSku === b ? c : b, mode: 'SET' as const, quantity: 1 },
      ];
      const err = await failure(h, admin.adjustMany({ items, reason: 'count', idempotencyKey: key() }));
      expect([err.code, err.data.appCode]).toEqual(['CONFLICT', 'INSUFFICIENT_STOCK']);
      expect(err.data.details).toMatchObject({
        skuId: badSku,
        index,
        mode: bad.mode,
        requested: bad.quantity,
        ...details,
      });
    }
    expect([await h.stock(a), await h.stock(b), await h.stock(c)]).toEqual([
      { onHand: 10, reserved: 0 },
      { onHand: 3, reserved: 0 },
      { onHand: 8, reserved: 5 },
    ]);
    for (const s of [a, b, c]) expect(await adjusts(s)).toEqual([]);
    expect(await adjustedEvents([a, b, c])).toEqual([]);

    const unknown = newId();
    const nf = await failure(
      h,
      admin.adjustMany({
        items: [
          { skuId: a, mode: 'ADD', quantity: 1 },
          { skuId: unknown, mode: 'ADD', quantity: 1 },
        ],
        reason: 'x',
        idempotencyKey: key(),
      }),
    );
    expect([nf.code, nf.data.appCode, nf.data.details]).toEqual([
      'NOT_FOUND',
      'SKU_NOT_FOUND',
      { skuId: unknown, index: 1 },
    ]);
    expect(await h.stock(a)).toEqual({ onHand: 10, reserved: 0 });
  });

  it('applies once per idempotency key (a double submit, concurrent or repeated, answers the first result); another input under the key is IDEMPOTENCY_CONFLICT', async () => {
    const [a, b] = [await h.newSku(10), await h.newSku(10)];
    const input = {
      items: [
        { skuId: a, mode: 'ADD' as const, quantity: 2 },
        { skuId: b, mode: 'SUBTRACT' as const, quantity: 3 },
      ],
      reason: 'delivery',
      idempotencyKey: key(),
    };
    const [first, second] = await Promise.all([admin.adjustMany(input), admin.adjustMany(input)]);
    const third = await admin.adjustMany(input);
    expect([second, third]).toEqual([first, first]);
    expect([await h.stock(a), await h.stock(b)]).toEqual([
      { onHand: 12, reserved: 0 },
      { onHand: 7, reserved: 0 },
    ]);
    expect([(await adjusts(a)).length, (await adjusts(b)).length]).toEqual([1, 1]);
    const conflict = await failure(h, admin.adjustMany({ ...input, items: [input.items[0]] }));
    expect([conflict.code, conflict.data.appCode]).toEqual(['CONFLICT', 'IDEMPOTENCY_CONFLICT']);
    // The single adjust has its own scope: the same key there is a new adjustment.
    await admin.adjust({ ...input.items[0], reason: 'delivery', idempotencyKey: input.idempotencyKey });
    expect(await h.stock(a)).toEqual({ onHand: 14, reserved: 0 });
  });

  it('runs two batches over the same SKUs in opposite orders without a deadlock (rows locked in SKU order)', async () => {
    const skus = await Promise.all(Array.from({ length: 6 }, () => h.newSku(100)));
    const batch = (order: string[]) =>
      admin.adjustMany({
        items: order.map((skuId) => ({ skuId, mode: 'SUBTRACT' as const, quantity: 1 })),
        reason: 'x',
        idempotencyKey: key(),
      });
    await Promise.all([batch(skus), batch([...skus].reverse()), batch(skus), batch([...skus].reverse())]);
    for (const s of skus) expect(await h.stock(s)).toEqual({ onHand: 96, reserved: 0 });
    expect((await h.svc.audit()).mismatchCount).toBe(0);
  });

  it('refuses bad input with the field (duplicate SKU, empty, over 200, zero ADD) and callers who are not admins', async () => {
    const a = await h.newSku(5);
    const base = { reason: 'x', idempotencyKey: key() };
    const dup = await failure(
      h,
      admin.adjustMany({
        ...base,
        items: [
          { skuId: a, mode: 'ADD', quantity: 1 },
          { skuId: a, mode: 'SET', quantity: 1 },
        ],
      }),
    );
    expect(dup.code).toBe('BAD_REQUEST');
    expect(dup.data.zodError?.fieldErrors['items.1.skuId']).toEqual(['this SKU is already in the batch']);
    expect((await failure(h, admin.adjustMany({ ...base, items: [] }))).data.zodError?.fieldErrors.items).toBeDefined();
    const many = Array.from({ length: 201 }, () => ({ skuId: newId(), mode: 'ADD' as const, quantity: 1 }));
    expect(
      (await failure(h, admin.adjustMany({ ...base, items: many }))).data.zodError?.fieldErrors.items,
    ).toBeDefined();
    const zero = await failure(h, admin.adjustMany({ ...base, items: [{ skuId: a, mode: 'ADD', quantity: 0 }] }));
    expect(zero.data.zodError?.fieldErrors['items.0.quantity']).toBeDefined();
    expect(
      (await failure(h, admin.adjustMany({ ...base, items: [{ skuId: a, mode: 'ADD', quantity: 1 }], reason: ' ' })))
        .data.zodError?.fieldErrors.reason,
    ).toBeDefined();

    const input = { ...base, items: [{ skuId: a, mode: 'ADD' as const, quantity: 1 }] };
    const forbidden = await failure(h, h.caller('customer').inventory.admin.adjustMany(input));
    expect([forbidden.code, forbidden.data.appCode]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect((await failure(h, h.caller().inventory.admin.adjustMany(input))).code).toBe('UNAUTHORIZED');
    expect(await h.stock(a)).toEqual({ onHand: 5, reserved: 0 });
  });
});
