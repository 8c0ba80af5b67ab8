import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@zjmall/client';
import type { CartView } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { spawnBff, startTestBff, type BffProcess, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad01';

/** Collects a subscription's values; `until` waits for one matching a predicate. */
function collect(subscribe: (onData: (v: CartView) => void, onError: (e: unknown) => void) => { unsubscribe(): void }) {
  const seen: CartView[] = [];
  const waiters: { pred: (v: CartView) => boolean; ok: (v: CartView) => void }[] = [];
  let failed: unknown = null;
  const sub = subscribe(
    (v) => {
      seen.push(v);
      for (const w of [...waiters]) {
        if (!w.pred(v)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.ok(v);
      }
    },
    (e) => (failed = e),
  );
  return {
    seen,
    stop: () => sub.unsubscribe(),
    until(pred: (v: CartView) => boolean, ms = 10_000): Promise<CartView> {
      const hit = seen.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((ok, fail) => {
        const t = setTimeout(
          () => fail(new Error(`no matching cart within ${ms} ms (${seen.length} seen, error: ${String(failed)})`)),
          ms,
        );
        waiters.push({
          pred,
          ok: (v) => {
            clearTimeout(t);
            ok(v);
          },
        });
      });
    },
  };
}

describe('cart over HTTP across two BFF processes', () => {
  let bff: TestBff;
  let second: BffProcess;
  let skus: string[];
  beforeAll(async () => {
    bff = await startTestBff({ label: 'cartsse' });
    second = await spawnBff(bff.env.childEnv);
    const { catalog } = bff.services;
    const cat = await catalog.createCategory({ name: `c-${newId()}` });
    const p = await catalog.createProduct(
      {
        name: '无线蓝牙耳机',
        categoryId: cat.id,
        skus: [0, 1, 2].map((i) => ({
          code: `SSE-${i}-${newId()}`,
          spec: { color: `c${i}` },
          price: 19900 + i,
          initialStock: 20,
        })),
      },
      ADMIN,
    );
    await catalog.publish(p.id);
    skus = p.skus.map((s) => s.id);
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await bff?.close();
  });

  it('a subscription on one process receives changes made through the other (the shared client: token in the header and connectionParams)', async () => {
    const { token } = await createShopClient(bff.url).auth.guest.mutate({});
    const here = createShopClient(bff.url, { token });
    const there = createShopClient(second.url, { token });
    const watch = collect((onData, onError) => here.cart.onChange.subscribe(undefined, { onData, onError }));
    try {
      await watch.until((c) => c.items.length === 0);
      const added = await there.cart.addItem.mutate({ skuId: skus[0], quantity: 2 });
      expect(added.items[0]).toMatchObject({
        skuId: skus[0],
        quantity: 2,
        unitPrice: 19900,
        productName: '无线蓝牙耳机',
      });
      expect(await watch.until((c) => c.totalQuantity === 2)).toEqual(added);
      await there.cart.updateQuantity.mutate({ itemId: added.items[0].id, quantity: 5 });
      await watch.until((c) => c.totalQuantity === 5);
      // The first process reads the change too (its in-memory cache was told).
      expect((await here.cart.get.query()).totalQuantity).toBe(5);
      await there.cart.clear.mutate();
      await watch.until((c) => c.id === null);
      const fresh = await there.cart.addItem.mutate({ skuId: skus[1], quantity: 1 });
      expect(fresh.id).not.toBe(added.id);
      await watch.until((c) => c.id === fresh.id);
    } finally {
      watch.stop();
    }
  });

  it('login with the guest token merges the guest cart (report in the answer), and the user subscription follows', async () => {
    const anon = createShopClient(bff.url);
    const email = `cart.${Date.now()}@example.com`;
    const reg = await anon.auth.register.mutate({ email, password: 'a long password', name: '李四' });
    const user = createShopClient(second.url, { token: reg.token });
    await user.cart.addItem.mutate({ skuId: skus[0], quantity: 1 });
    const watch = collect((onData, onError) =>
      createShopClient(bff.url, { token: reg.token }).cart.onChange.subscribe(undefined, { onData, onError }),
    );
    try {
      await watch.until((c) => c.totalQuantity === 1);
      const { token: guestToken } = await anon.auth.guest.mutate({});
      const guest = createShopClient(second.url, { token: guestToken });
      await guest.cart.addItem.mutate({ skuId: skus[0], quantity: 2 });
      await guest.cart.addItem.mutate({ skuId: skus[2], quantity: 1 });
      const login = await anon.auth.login.mutate({ email, password: 'a long password', guestToken });
      expect(login.merge).toEqual({ lines: 2, capped: [] });
      const merged = await watch.until((c) => c.totalQuantity === 4);
      expect(merged.items.map((i) => [i.skuId, i.quantity]).sort()).toEqual(
        [
          [skus[0], 3],
          [skus[2], 1],
        ].sort(),
      );
      expect((await guest.cart.get.query()).items).toEqual([]);
      const again = await anon.auth.login.mutate({ email, password: 'a long password', guestToken });
      expect(again.merge ?? { lines: 0, capped: [] }).toEqual({ lines: 0, capped: [] });
      expect((await user.cart.get.query()).totalQuantity).toBe(4);
    } finally {
      watch.stop();
    }
  });
});
