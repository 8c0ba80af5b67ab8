import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { captureSql } from '@zjmall/platform/testing';
import { adminClient, startTestBff, type TestBff } from './support/bff';

/**
 * On this machine kind a SQL statement's cost is mostly its round trip (socket write and wake-up),
 * so the purchase path has a statement budget: the statements each step sends, counted at the pg
 * client, must not grow unnoticed. (Counted once warm: the second purchase of a customer; jobs off,
 * so the relay's own statements are not mixed in.) Figures: modules/payment/README.md, Benchmark.
 *
 * Nothing timed may land in the counted round. Catalog drops a written product's cache entries a
 * second time 1 s after the write (a reader that loaded the old row just before the commit may
 * have stored it after the first drop): on a loaded machine the publish's second drop came after
 * the first add had cached the SKU, and the counted add read it again (6 statements instead of 5).
 * Likewise a user's cached access (role, token version) lapses after USER_ACCESS_TTL_SECONDS and
 * is read again by whichever call comes next, and the set of SKUs in a queued sale (the sale gate
 * on adds and checkout) is read again a second after the last read. Here the timer is off and the
 * access and the sale set are kept for the test's length: they guard caches, they are not
 * statements of the purchase path.
 */
/*
 * Each transaction's START TRANSACTION and COMMIT are statements of their own (the database layer
 * uses sequelize's documented API only; platform README, "Data layer"). A transaction's outbox rows
 * are written with one statement at its end, whichever modules added them, and carry the idempotency
 * answer in the same statement (inTransaction, withIdempotency): the add's, checkout's and the
 * callback's events were one statement per outbox.add before (add 8, checkout 13, approve 15).
 */
const BUDGET = { add: 7, checkout: 10, create: 6, approve: 13 };

describe('SQL statements per purchase step', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({
      label: 'stmtbudget',
      jobs: false,
      services: {
        catalog: { invalidateAgainAfterMs: 0 },
        identity: { accessTtlSeconds: 3600 },
        sales: { queuedMemoMs: 3_600_000 },
      },
    });
  });
  afterAll(() => bff?.close());

  it(`stays within ${JSON.stringify(BUDGET)}`, async () => {
    const anon = createShopClient(bff.url);
    const admin = await adminClient(bff);
    const category = await admin.catalog.admin.createCategory.mutate({ name: `c ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `p ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `SB-${newId().slice(-10)}`, spec: { color: 'white' }, price: 2_590, initialStock: 50 }],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    const skuId = product.skus[0].id;
    const reg = await anon.auth.register.mutate({
      email: `b.${newId().slice(-8)}@example.com`,
      password: 'buyer password',
      name: 'b',
    });
    const me = createShopClient(bff.url, { token: reg.token });
    const address = await me.address.create.mutate({
      receiver: 'b',
      phone: '13800138000',
      province: 'a',
      city: 'b',
      district: 'c',
      detail: 'd',
    });

    const counted = async <T>(fn: () => Promise<T>) => {
      const { result, statements } = await captureSql(fn);
      return { result, n: statements.length };
    };
    const counts: Record<string, number>[] = [];
    for (let round = 0; round < 2; round++) {
      const add = await counted(() => me.cart.addItem.mutate({ skuId, quantity: 1 }));
      const checkout = await counted(() =>
        me.order.checkout.mutate({ addressId: address.id, idempotencyKey: `co-${newId()}` }),
      );
      const order = checkout.result;
      const create = await counted(() =>
        me.payment.create.mutate({ orderId: order.id, channel: 'sandbox_alipay', idempotencyKey: `pay-${newId()}` }),
      );
      const approve = await counted(async () =>
        (await fetch(`${bff.url}/sandbox/pay/${create.result.id}/approve`, { method: 'POST' })).json(),
      );
      expect(approve.result).toMatchObject({ ok: true, outcome: 'succeeded' });
      counts.push({ add: add.n, checkout: checkout.n, create: create.n, approve: approve.n });
      expect(await me.order.get.query({ id: order.id })).toMatchObject({ status: 'paid' });
    }
    const warm = counts[1];
    for (const [step, max] of Object.entries(BUDGET))
      expect({ step, statements: warm[step] }).toEqual({ step, statements: Math.min(warm[step], max) });
  });
});
