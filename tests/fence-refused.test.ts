import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { TRPCClientError } from '@trpc/client';
import { createShopClient, type AppRouter, type ShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { adminClient, startTestBff, type TestBff } from './support/bff';

/**
 * A refused inventory fence is an expected failure: over HTTP it is `STOCK_CHANGED` (409,
 * retryable), never a 500, and nothing is written.
 *
 * The fence is the conditional stock UPDATE; it refuses when a row it planned to change is not
 * changed. Planning happens under the rows' locks, so no race makes that happen on demand: a
 * trigger in this test's own database makes the UPDATE skip the SKU's row (a BEFORE UPDATE
 * trigger returning NULL), which is exactly what the writer sees when the fence refuses.
 */

async function failure(p: Promise<unknown>): Promise<{ status?: number; appCode?: string; details?: unknown }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof TRPCClientError)) throw e;
    const data = (e as TRPCClientError<AppRouter>).data;
    return { status: data?.httpStatus, appCode: data?.appCode, details: data?.details };
  }
  throw new Error('expected the call to fail');
}

describe('a refused fence over HTTP', () => {
  let bff: TestBff;
  let sql: pg.Client;
  let admin: ShopClient;
  let skuId: string;

  beforeAll(async () => {
    bff = await startTestBff({ label: 'fence', jobs: false });
    sql = new pg.Client({ connectionString: bff.env.config.DATABASE_URL });
    await sql.connect();
    admin = await adminClient(bff);
    const category = await admin.catalog.admin.createCategory.mutate({ name: `fence ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `fence product ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `FN-${newId().slice(-10)}`, spec: { size: 'M' }, price: 1_000, initialStock: 10 }],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    skuId = product.skus[0].id;
  }, 120_000);

  afterAll(async () => {
    await sql?.end();
    await bff?.close();
  }, 120_000);

  async function refuseUpdatesOf(id: string) {
    await sql.query(`CREATE OR REPLACE FUNCTION public.test_skip_row() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RETURN NULL; END $$`);
    // DDL takes no bind parameters; the id is a UUID we made (checked before it is spliced in).
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await sql.query(`CREATE TRIGGER test_refuse BEFORE UPDATE ON inventory.stock FOR EACH ROW
      WHEN (OLD.sku_id = '${id}') EXECUTE FUNCTION public.test_skip_row()`);
  }
  const allowUpdates = () => sql.query('DROP TRIGGER IF EXISTS test_refuse ON inventory.stock');

  it('an admin adjustment answers STOCK_CHANGED with the SKU, writes nothing, and succeeds once retried', async () => {
    const before = await admin.inventory.admin.get.query({ skuId });
    await refuseUpdatesOf(skuId);
    try {
      const refused = await failure(
        admin.inventory.admin.adjust.mutate({
          skuId,
          mode: 'ADD',
          quantity: 5,
          reason: 'recount',
          idempotencyKey: `fence-${newId()}`,
        }),
      );
      expect(refused).toEqual({ status: 409, appCode: 'STOCK_CHANGED', details: { skuIds: [skuId], retryable: true } });
    } finally {
      await allowUpdates();
    }
    const after = await admin.inventory.admin.get.query({ skuId });
    expect(after).toEqual(before);
    const ledger = await admin.inventory.admin.transactions.query({ skuId, limit: 100 });
    expect(ledger.items.filter((t) => t.reason === 'recount')).toEqual([]);

    // A retry (a new key: the refused call stored no result) goes through.
    const retried = await admin.inventory.admin.adjust.mutate({
      skuId,
      mode: 'ADD',
      quantity: 5,
      reason: 'recount',
      idempotencyKey: `fence-${newId()}`,
    });
    expect(retried.onHand).toBe(before.onHand + 5);
  });

  it("a customer's add to cart (a stock hold) answers STOCK_CHANGED, not a 500", async () => {
    const { token } = await createShopClient(bff.url).auth.register.mutate({
      email: `fence.${newId().slice(-8)}@example.com`,
      password: 'customer password',
      name: 'fence customer',
    });
    const customer = createShopClient(bff.url, { token });
    await refuseUpdatesOf(skuId);
    try {
      const refused = await failure(customer.cart.addItem.mutate({ skuId, quantity: 1 }));
      expect(refused).toMatchObject({ status: 409, appCode: 'STOCK_CHANGED' });
    } finally {
      await allowUpdates();
    }
    expect((await customer.cart.get.query()).items).toEqual([]);
    await customer.cart.addItem.mutate({ skuId, quantity: 1 });
    expect((await customer.cart.get.query()).totalQuantity).toBe(1);
  });
});
