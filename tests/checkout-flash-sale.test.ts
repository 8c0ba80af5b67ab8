import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { adminClient, inBatches, publishedSku, serviceBuyers, startTestBff, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad05';

const STOCK = 20;
const USERS = 150;

/**
 * Flash sale: one SKU with 20 in stock, 150 signed-in users checking out at once over HTTP.
 * Exactly 20 orders; the others are INSUFFICIENT_STOCK; the ledger explains the stock (audit);
 * paying all 20 deducts exactly 20.
 */
describe('flash sale over HTTP', () => {
  let bff: TestBff;
  beforeAll(async () => {
    // No cart holds: every buyer's line is in the cart, and the race happens at checkout.
    bff = await startTestBff({ label: 'flashsale', env: { CART_HOLD_TTL_SECONDS: '0', DB_POOL_MAX: '20' } });
  });
  afterAll(() => bff?.close(), 120_000);

  it(`stock ${STOCK}, ${USERS} concurrent checkouts → exactly ${STOCK} orders, ledger and stock agree`, async () => {
    const admin = await adminClient(bff);
    const skuId = await publishedSku(bff, {
      name: `秒杀商品 ${newId().slice(-6)}`,
      code: `FS-${newId().slice(-10)}`,
      spec: { edition: 'limited' },
      price: 9_900,
      stock: STOCK,
      actor: ADMIN,
    });

    // Buyers are set up through the services (the race under test is the checkout, over HTTP).
    const buyers = await serviceBuyers(bff, USERS, 'fs');
    await inBatches(USERS, 10, (i) =>
      bff.services.cart.addItem({ type: 'user', id: buyers[i].userId }, { skuId, quantity: 1 }).then(() => undefined),
    );

    const results = await Promise.allSettled(
      buyers.map((b) => b.client.order.checkout.mutate({ addressId: b.addressId, idempotencyKey: `fs-${newId()}` })),
    );
    const orders = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const codes = results.flatMap((r) =>
      r.status === 'rejected' ? [(r.reason as TRPCClientError<AppRouter>).data?.appCode ?? String(r.reason)] : [],
    );
    expect(orders).toHaveLength(STOCK);
    expect(new Set(codes)).toEqual(new Set(['INSUFFICIENT_STOCK']));
    expect(await admin.inventory.admin.get.query({ skuId })).toMatchObject({
      onHand: STOCK,
      reserved: STOCK,
      available: 0,
    });
    const audit = await admin.inventory.admin.audit.query();
    expect(audit.mismatchCount).toBe(0);

    // Pay them all at once through the sandbox: exactly STOCK units leave.
    const byOrder = new Map(
      orders.map((o) => [o.id, buyers[results.findIndex((r) => r.status === 'fulfilled' && r.value.id === o.id)]]),
    );
    await Promise.all(
      orders.map(async (o) => {
        const p = await byOrder
          .get(o.id)!
          .client.payment.create.mutate({ orderId: o.id, channel: 'sandbox_wechat', idempotencyKey: `p-${newId()}` });
        const res = await fetch(`${bff.url}/sandbox/pay/${p.id}/approve`, { method: 'POST' });
        expect(res.status).toBe(200);
      }),
    );
    expect(await admin.inventory.admin.get.query({ skuId })).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
    const ledger = await admin.inventory.admin.transactions.query({ skuId, limit: 100 });
    expect(ledger.items.filter((e) => e.type === 'OUT').reduce((n, e) => n + e.quantity, 0)).toBe(STOCK);
    expect((await admin.inventory.admin.audit.query()).mismatchCount).toBe(0);
    const page = await admin.order.admin.list.query({ status: 'paid', limit: 100 });
    expect(page.items.filter((o) => o.items[0].skuId === skuId)).toHaveLength(STOCK);
  }, 120_000);
});
