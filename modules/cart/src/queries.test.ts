import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '@zjmall/platform';
import { captureSql, deleteRedisPrefix } from '@zjmall/platform/testing';
import { createInventoryService, inventoryModels } from '@zjmall/inventory';
import { catalogModels, createCatalogService } from '@zjmall/catalog';
import { createCouponService } from '@zjmall/pricing';
import { createCartService, type CartOwner } from './index';
import { createHarness, noOrders, type Harness } from './testing/harness';

describe('cart.get is not N+1', () => {
  let h: Harness;
  let cold: Platform;
  beforeAll(async () => {
    h = await createHarness('cartsql');
  });
  afterAll(async () => {
    await cold?.close();
    await h?.close();
  });

  /**
   * A cart service on a new platform (empty in-process caches) after Redis was emptied: every cache is cold.
   * Statements are counted on this platform's Db only (`captureSql(fn, cold.db)`): the harness's own
   * platform may be doing background work meanwhile.
   */
  async function coldService() {
    await cold?.close();
    await deleteRedisPrefix(h.env.config.REDIS_URL!, h.env.config.REDIS_KEY_PREFIX);
    cold = await createPlatform(h.env.config, h.env.log, 'cold');
    cold.db.addModels([...inventoryModels, ...catalogModels]);
    const inventory = createInventoryService(cold);
    const catalog = createCatalogService({ ...cold, inventory });
    return createCartService({ ...cold, catalog, inventory, coupons: createCouponService(cold), purchases: noOrders });
  }

  // Sets up 100 lines one add at a time: long on a loaded machine, hence its own timeout.
  it(
    'a 100-line cold cart costs as many statements as a 1-line one (lines, SKUs, stock: one each)',
    { timeout: 180_000 },
    async () => {
      const big = h.user();
      const skus = await h.skus(100, { stock: 5 });
      for (const skuId of skus) await big.addItem({ skuId, quantity: 1 });
      const small = h.user();
      await small.addItem({ skuId: skus[0], quantity: 1 });

      const read = async (owner: CartOwner) => {
        const svc = await coldService();
        try {
          return await captureSql(() => svc.get(owner), cold.db);
        } finally {
          svc.close();
        }
      };
      const many = await read(big.owner);
      expect(many.result.totalItems).toBe(100);
      expect(many.result.items.every((i) => i.available && i.productName.startsWith('Product'))).toBe(true);
      const one = await read(small.owner);
      expect(one.result.totalItems).toBe(1);
      expect(many.statements.length).toBeLessThanOrEqual(3);
      expect(many.statements.length).toBe(one.statements.length);

      // Warm: no SQL at all.
      const svc = await coldService();
      await svc.get(big.owner);
      const warm = await captureSql(() => svc.get(big.owner), cold.db);
      expect(warm.statements).toEqual([]);
      svc.close();
    },
  );

  it('an applied coupon is looked up once on a cold read (pricing caches it), not at all when warm', async () => {
    const [sku] = await h.skus(1);
    const plain = h.user();
    await plain.addItem({ skuId: sku, quantity: 1 });
    const withCoupon = h.user();
    await withCoupon.addItem({ skuId: sku, quantity: 1 });
    const { code } = await h.coupons.create(
      { code: `Q${Date.now().toString(36)}`, kind: 'FIXED', value: 100, perUserLimit: 3 },
      null,
    );
    await withCoupon.applyCoupon({ code });

    const svc = await coldService();
    const coldPlain = await captureSql(() => svc.get(plain.owner), cold.db);
    const coldCoupon = await captureSql(() => svc.get(withCoupon.owner), cold.db);
    expect(coldCoupon.result).toMatchObject({ discountAmount: 100, coupon: { code, valid: true } });
    expect(coldPlain.statements).toHaveLength(3); // lines, SKUs, stock
    // Its lines, the coupon and this customer's uses of it (per-user limit); SKU and stock entries are warm now.
    expect(coldCoupon.statements.map((t) => [...t.matchAll(/FROM (\w+\.\w+)/g)].at(-1)?.[1])).toEqual([
      'cart.carts',
      'pricing.coupons',
      'pricing.coupon_uses',
    ]);
    expect((await captureSql(() => svc.get(withCoupon.owner), cold.db)).statements).toEqual([]);
    expect((await captureSql(() => svc.get(plain.owner), cold.db)).statements).toEqual([]);
    svc.close();
  });
});
