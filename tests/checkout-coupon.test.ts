import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { adminClient, buyer, startTestBff, type TestBff } from './support/bff';

/**
 * Coupons over HTTP through the shared client (the wiring in modules/api): an admin creates one,
 * a customer applies it to the cart, checks out with the discounted payable and cancels; the
 * error a client sees carries appCode COUPON_INVALID and details.reason.
 */
describe('coupon journey over HTTP', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'couponjourney', jobs: false });
  });
  afterAll(() => bff?.close());

  it('createCoupon → applyCoupon → checkout (discounted) → cancel gives the use back', async () => {
    const admin = await adminClient(bff);
    const category = await admin.catalog.admin.createCategory.mutate({ name: `券 ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `保温杯 ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `CUP-${newId().slice(-10)}`, spec: { size: '500ml' }, price: 9_999, initialStock: 5 }],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    const code = `welcome-${newId().slice(-6)}`;
    const made = await admin.pricing.admin.createCoupon.mutate({
      code,
      kind: 'PERCENT',
      value: 15,
      minSpend: 10_000,
      usageLimit: 1,
      perUserLimit: 1,
    });
    expect(made).toMatchObject({ code: code.toUpperCase(), usedCount: 0 });

    const { client: me, addressId } = await buyer(bff);
    await me.cart.addItem.mutate({ skuId: product.skus[0].id, quantity: 1 });
    const short = await me.cart.applyCoupon.mutate({ code }).catch((e: unknown) => e as TRPCClientError<AppRouter>);
    expect(short).toBeInstanceOf(TRPCClientError);
    expect((short as TRPCClientError<AppRouter>).data).toMatchObject({
      code: 'BAD_REQUEST',
      httpStatus: 400,
      appCode: 'COUPON_INVALID',
      details: { reason: 'min_spend' },
    });

    await me.cart.addItem.mutate({ skuId: product.skus[0].id, quantity: 1 });
    const cart = await me.cart.applyCoupon.mutate({ code });
    expect(cart).toMatchObject({
      selectedAmount: 19_998,
      discountAmount: 2_999,
      payableAmount: 16_999,
      coupon: { code: code.toUpperCase(), valid: true },
    });
    const order = await me.order.checkout.mutate({
      addressId,
      expectedPayable: cart.payableAmount,
      idempotencyKey: `co-${newId()}`,
    });
    expect(order).toMatchObject({ couponCode: code.toUpperCase(), discountAmount: 2_999, payableAmount: 16_999 });
    expect(order.items[0]).toMatchObject({ subtotal: 19_998, discount: 2_999, paid: 16_999 });
    expect(await admin.pricing.admin.coupon.query({ code })).toMatchObject({ usedCount: 1 });

    await me.order.cancel.mutate({ id: order.id });
    expect(await admin.pricing.admin.coupon.query({ code })).toMatchObject({ usedCount: 0 });
  }, 60_000);
});
