import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { publishedSku, startTestBff, type TestBff } from './support/bff';

/** Sign-in with a guest cart over HTTP: `merge: 'none'` leaves both carts; the preview is what `'all'` then does. */
describe('guest cart at sign-in: merge none, preview, merge all', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'mergeprev', jobs: false });
  });
  afterAll(() => bff?.close());

  it('merge none keeps both carts; the preview over real tokens equals the later merge', async () => {
    const actor = newId();
    const sku = (n: number) =>
      publishedSku(bff, { name: `P${n}`, code: `MP-${newId()}`, spec: { n: `${n}` }, price: 1000, stock: 20, actor });
    const [a, b] = [await sku(1), await sku(2)];
    const anon = createShopClient(bff.url);
    const { token: guestToken } = await anon.auth.guest.mutate({});
    const guest = createShopClient(bff.url, { token: guestToken });
    await guest.cart.addItem.mutate({ skuId: a, quantity: 2 });
    await guest.cart.addItem.mutate({ skuId: b, quantity: 1 });
    const guestCart = await guest.cart.get.query();

    const email = `merge.${newId().slice(-8)}@example.com`;
    const reg = await anon.auth.register.mutate({
      email,
      password: 'a long password',
      name: 'M',
      guestToken,
      merge: 'none',
    });
    expect(reg.merge).toBeUndefined();
    const user = createShopClient(bff.url, { token: reg.token });
    expect((await user.cart.get.query()).items).toEqual([]);
    expect(await guest.cart.get.query()).toEqual(guestCart);

    await user.cart.addItem.mutate({ skuId: a, quantity: 1 });
    const preview = await user.cart.mergePreview.query({ guestToken });
    expect(preview.items.map((i) => [i.skuId, i.quantityBefore, i.quantityAfter, i.capped])).toEqual([
      [a, 1, 3, null],
      [b, 0, 1, null],
    ]);
    await expect(user.cart.mergePreview.query({ guestToken: reg.token })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', zodError: { fieldErrors: { guestToken: ['Not a valid guest token'] } } },
    });
    const lines = (c: typeof guestCart) => c.items.map((i) => [i.id, i.skuId, i.quantity]);
    expect(lines(await guest.cart.get.query())).toEqual(lines(guestCart));

    const login = await anon.auth.login.mutate({ email, password: 'a long password', guestToken });
    expect(login.merge).toEqual({ lines: preview.lines, capped: preview.capped });
    const after = await user.cart.get.query();
    expect(after.items.map((i) => [i.skuId, i.quantity]).sort()).toEqual(
      preview.items.map((i) => [i.skuId, i.quantityAfter]).sort(),
    );
    expect((await guest.cart.get.query()).items).toEqual([]);
  });
});
