import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { startTestBff, type TestBff } from './support/bff';

/**
 * On this machine kind a SQL statement's cost is mostly its round trip (socket write and wake-up),
 * so the purchase path has a statement budget: the statements each step sends, counted at the pg
 * client, must not grow unnoticed. (Counted once warm: the second purchase of a customer; jobs off,
 * so the relay's own statements are not mixed in.) Figures: modules/payment/README.md, Benchmark.
 */
const BUDGET = { add: 5, checkout: 8, create: 4, approve: 10 };

describe('SQL statements per purchase step', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'stmtbudget', jobs: false });
  });
  afterAll(() => bff?.close());

  it(`stays within ${JSON.stringify(BUDGET)}`, async () => {
    const adminEmail = `admin.${newId().slice(-8)}@example.com`;
    await bff.services.identity.ensureAdmin(adminEmail, 'admin password 1');
    const anon = createShopClient(bff.url);
    const admin = createShopClient(bff.url, { token: (await anon.auth.login.mutate({ email: adminEmail, password: 'admin password 1' })).token });
    const category = await admin.catalog.admin.createCategory.mutate({ name: `c ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `p ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `SB-${newId().slice(-10)}`, spec: { color: 'white' }, price: 2_590, initialStock: 50 }],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    const skuId = product.skus[0].id;
    const reg = await anon.auth.register.mutate({ email: `b.${newId().slice(-8)}@example.com`, password: 'buyer password', name: 'b' });
    const me = createShopClient(bff.url, { token: reg.token });
    const address = await me.address.create.mutate({ receiver: 'b', phone: '13800138000', province: 'a', city: 'b', district: 'c', detail: 'd' });

    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    let sent: string[] = [];
    proto.query = function (this: unknown, ...args: unknown[]) {
      const q = args[0];
      const text = typeof q === 'string' ? q : String((q as { text?: string })?.text ?? q);
      if (!text.startsWith('SET ')) sent.push(text);
      return original.apply(this, args);
    };
    const counts: Record<string, number>[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        const c: Record<string, number> = {};
        sent = [];
        await me.cart.addItem.mutate({ skuId, quantity: 1 });
        c.add = sent.length;
        sent = [];
        const order = await me.order.checkout.mutate({ addressId: address.id, idempotencyKey: `co-${newId()}` });
        c.checkout = sent.length;
        sent = [];
        const payment = await me.payment.create.mutate({ orderId: order.id, channel: 'sandbox_alipay', idempotencyKey: `pay-${newId()}` });
        c.create = sent.length;
        sent = [];
        const approved = await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' });
        expect(await approved.json()).toMatchObject({ ok: true, outcome: 'succeeded' });
        c.approve = sent.length;
        counts.push(c);
        expect(await me.order.get.query({ id: order.id })).toMatchObject({ status: 'paid' });
      }
    } finally {
      proto.query = original;
    }
    const warm = counts[1];
    for (const [step, max] of Object.entries(BUDGET)) expect({ step, statements: warm[step] }).toEqual({ step, statements: Math.min(warm[step], max) });
  });
});
