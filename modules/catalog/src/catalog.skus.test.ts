import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, failure, type Harness } from './testing/harness';

let h: Harness;
let categoryId: string;
const MISSING_TTL_SECONDS = 1;
beforeAll(async () => {
  h = await createHarness('catalogskus', { missingTtlSeconds: MISSING_TTL_SECONDS });
  categoryId = (await h.category()).id;
});
afterAll(() => h?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Changes a row behind the service's back: only a read that skips the cache can see it. */
const setPriceInDb = (skuId: string, price: number) =>
  h.q(`UPDATE catalog.skus SET price = $2 WHERE id = $1`, [skuId, price]);

describe('getSkus (the cart’s hot path)', () => {
  it('answers views in the order asked, each once, whatever the product’s status', async () => {
    const p = await h.published({ categoryId, images: ['https://example.com/p.jpg'] }, 2);
    const draft = await h.product({ categoryId }, 1);
    const views = await h.svc.getSkus([
      p.skus[1].id,
      draft.skus[0].id,
      p.skus[1].id,
      h.newId(),
      'not-a-uuid',
      p.skus[0].id,
    ]);
    expect(views).toEqual([
      {
        skuId: p.skus[1].id,
        productId: p.id,
        productName: p.name,
        image: 'https://example.com/p.jpg',
        code: p.skus[1].code,
        spec: p.skus[1].spec,
        price: p.skus[1].price,
        priceSince: p.createdAt, // the price it was created with (the product and its SKUs: one transaction)
        basePrice: p.skus[1].price,
        promotion: null,
        purchaseLimit: null,
        status: 'active',
        productStatus: 'published',
        availableForSale: true,
      },
      expect.objectContaining({ skuId: draft.skus[0].id, productStatus: 'draft', availableForSale: false }),
      expect.objectContaining({ skuId: p.skus[0].id, availableForSale: true }),
    ]);
    expect(await h.svc.getSkus([])).toEqual([]);
  });

  it('serves from the cache until a write through the catalog invalidates it', async () => {
    const p = await h.published({ categoryId }, 2);
    const [a, b] = p.skus;
    expect((await h.svc.getSkus([a.id, b.id])).map((v) => v.price)).toEqual([a.price, b.price]);
    await setPriceInDb(a.id, 1);
    await setPriceInDb(b.id, 2);
    expect((await h.svc.getSkus([a.id, b.id])).map((v) => v.price)).toEqual([a.price, b.price]); // cached

    await h.admin.setSkuPrice({ skuId: a.id, price: 555 });
    // Only the changed SKU's entry is dropped: b still answers from the cache.
    expect((await h.svc.getSkus([a.id, b.id])).map((v) => v.price)).toEqual([555, b.price]);

    await h.admin.unpublish({ id: p.id });
    expect((await h.svc.getSkus([a.id])).map((v) => [v.productStatus, v.availableForSale])).toEqual([
      ['unpublished', false],
    ]);
    await h.admin.publish({ id: p.id });
    await h.admin.updateProduct({ id: p.id, name: '新名', skus: [{ id: b.id, status: 'inactive' }] });
    // A product edit drops every SKU of the product (they carry its name and image).
    expect(
      (await h.svc.getSkus([a.id, b.id])).map((v) => [v.productName, v.price, v.status, v.availableForSale]),
    ).toEqual([
      ['新名', 555, 'active', true],
      ['新名', 2, 'inactive', false],
    ]);
  });

  it('remembers a missing id for a short while (penetration guard), then finds it', async () => {
    const p = await h.product({ categoryId }, 1);
    const id = h.newId();
    expect(await h.svc.getSkus([id])).toEqual([]);
    // A SKU with that id appears behind the cache's back: the miss is still remembered…
    await h.q(`INSERT INTO catalog.skus (id, product_id, code, spec, price) VALUES ($1, $2, $3, '{}', 100)`, [
      id,
      p.id,
      h.unique('GHOST'),
    ]);
    expect(await h.svc.getSkus([id])).toEqual([]);
    // …until the short negative TTL runs out.
    await sleep(MISSING_TTL_SECONDS * 1000 + 200);
    expect((await h.svc.getSkus([id])).map((v) => v.price)).toEqual([100]);
  });

  it('stores hits and misses in the shared cache (Redis) with their TTLs', async () => {
    const p = await h.product({ categoryId }, 1);
    const missing = h.newId();
    await h.svc.getSkus([p.skus[0].id, missing]);
    const { redis, config } = h.platform;
    expect(redis).not.toBeNull();
    const ttl = async (id: string) => redis!.pttl(`${config.REDIS_KEY_PREFIX}c:catalog:v3:sku:${id}`);
    expect(await ttl(p.skus[0].id)).toBeGreaterThan(60_000);
    const missTtl = await ttl(missing);
    expect(missTtl).toBeGreaterThan(0);
    expect(missTtl).toBeLessThanOrEqual(MISSING_TTL_SECONDS * 1000);
  });
});

describe('catalog.skus (public)', () => {
  it('answers SKUs of published products with price, product name and stock status; others are left out', async () => {
    const p = await h.admin.createProduct({
      name: h.unique('杯子'),
      categoryId,
      images: ['https://example.com/cup.jpg'],
      skus: [
        { code: h.unique('CUP'), spec: { 容量: '350ml' }, price: 3900, initialStock: 100 },
        { code: h.unique('CUP'), spec: { 容量: '500ml' }, price: 4900, initialStock: 2 },
        { code: h.unique('CUP'), spec: { 容量: '1L' }, price: 5900 },
      ],
    });
    const draft = await h.product({ categoryId }, 1);
    await h.admin.publish({ id: p.id });
    const ids = [...p.skus.map((s) => s.id), draft.skus[0].id, h.newId()];
    const skus = await h.pub.skus({ ids });
    expect(
      skus.map((s) => [s.skuId, s.productName, s.image, s.price, s.available, s.stockStatus, s.availableForSale]),
    ).toEqual([
      [p.skus[0].id, p.name, 'https://example.com/cup.jpg', 3900, 100, 'in_stock', true],
      [p.skus[1].id, p.name, 'https://example.com/cup.jpg', 4900, 2, 'low_stock', true],
      [p.skus[2].id, p.name, 'https://example.com/cup.jpg', 5900, 0, 'out_of_stock', true],
    ]);
    expect(Object.keys(skus[0]).sort()).toEqual(
      [
        'skuId',
        'productId',
        'productName',
        'image',
        'code',
        'spec',
        'price',
        'basePrice',
        'promotion',
        'purchaseLimit',
        'status',
        'availableForSale',
        'available',
        'stockStatus',
      ].sort(),
    );
  });

  it('takes 1–200 ids (BAD_REQUEST naming the field otherwise)', async () => {
    const tooMany = await failure(h, h.pub.skus({ ids: Array.from({ length: 201 }, () => h.newId()) }));
    expect(tooMany.code).toBe('BAD_REQUEST');
    expect(tooMany.data.zodError?.fieldErrors.ids).toBeDefined();
    const none = await failure(h, h.pub.skus({ ids: [] }));
    expect(none.data.zodError?.fieldErrors.ids).toBeDefined();
    const bad = await failure(h, h.pub.skus({ ids: ['x'] }));
    expect(bad.data.zodError?.fieldErrors['ids.0']).toBeDefined();
    expect(await h.pub.skus({ ids: Array.from({ length: 200 }, () => h.newId()) })).toEqual([]);
  });
});
