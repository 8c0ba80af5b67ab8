import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { createShopClient, type AppRouter, type ShopClient } from '@zjmall/client';
import type { ErrorData, OrderStatusChange } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { startTestBff, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad03';

/**
 * A DomainError thrown by a subscription after it started (order.onStatus checks the order's owner
 * at its first read) reaches the SSE client as a query's would: its tRPC code and appCode.
 */
describe('subscription errors over SSE', () => {
  let bff: TestBff;
  let owner: ShopClient;
  let orderId: string;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'suberr', jobs: false });
    const { catalog } = bff.services;
    const cat = await catalog.createCategory({ name: `c-${newId()}` });
    const p = await catalog.createProduct(
      {
        name: 'p',
        categoryId: cat.id,
        skus: [{ code: `SE-${newId()}`, spec: { c: 'x' }, price: 1_000, initialStock: 5 }],
      },
      ADMIN,
    );
    await catalog.publish(p.id);
    owner = await signUp();
    const address = await owner.address.create.mutate({
      receiver: 'a',
      phone: '13800138000',
      province: 'p',
      city: 'c',
      district: 'd',
      detail: 'x',
    });
    await owner.cart.addItem.mutate({ skuId: p.skus[0].id, quantity: 1 });
    orderId = (await owner.order.checkout.mutate({ addressId: address.id, idempotencyKey: `co-${newId()}` })).id;
  });
  afterAll(() => bff?.close());

  async function signUp(): Promise<ShopClient> {
    const reg = await createShopClient(bff.url).auth.register.mutate({
      email: `s.${newId().slice(-8)}@example.com`,
      password: 'buyer password',
      name: 's',
    });
    return createShopClient(bff.url, { token: reg.token });
  }

  /** The first message or the error of `client`'s order.onStatus for `id`. */
  function firstOf(client: ShopClient, id: string): Promise<{ data: OrderStatusChange } | { error: unknown }> {
    return new Promise((resolve) => {
      const sub = client.order.onStatus.subscribe(
        { id },
        {
          onData: (data) => {
            sub.unsubscribe();
            resolve({ data });
          },
          onError: (error) => {
            sub.unsubscribe();
            resolve({ error });
          },
        },
      );
    });
  }

  const errorOf = (r: { data: OrderStatusChange } | { error: unknown }) => {
    if (!('error' in r)) throw new Error(`expected an error, got ${JSON.stringify(r.data)}`);
    expect(r.error).toBeInstanceOf(TRPCClientError);
    const data = (r.error as TRPCClientError<AppRouter>).data as ErrorData;
    return { code: data.code, appCode: data.appCode, httpStatus: data.httpStatus };
  };

  it('streams the owner’s order', async () => {
    const r = await firstOf(owner, orderId);
    expect(r).toMatchObject({ data: { id: orderId, status: 'pending_payment' } });
  });

  it('answers another user’s order with NOT_FOUND / ORDER_NOT_FOUND in the stream', async () => {
    const stranger = await signUp();
    expect(errorOf(await firstOf(stranger, orderId))).toEqual({
      code: 'NOT_FOUND',
      appCode: 'ORDER_NOT_FOUND',
      httpStatus: 404,
    });
  });

  it('answers an unknown order with NOT_FOUND / ORDER_NOT_FOUND in the stream', async () => {
    expect(errorOf(await firstOf(owner, newId()))).toEqual({
      code: 'NOT_FOUND',
      appCode: 'ORDER_NOT_FOUND',
      httpStatus: 404,
    });
  });
});
