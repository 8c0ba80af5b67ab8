import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type PriceChangedV1, type ProductPublishedV1, type ProductUnpublishedV1 } from '@zjmall/contracts';
import { ADMIN_ID, createHarness, failure, type Harness } from './testing/harness';

let h: Harness;
let categoryId: string;
beforeAll(async () => {
  h = await createHarness('catalogadmin');
  categoryId = (await h.category()).id;
});
afterAll(() => h?.close());

const stockRows = (skuIds: string[]) =>
  h.q<{ sku_id: string; on_hand: number; reserved: number }>(
    `SELECT sku_id, on_hand, reserved FROM inventory.stock WHERE sku_id = ANY($1::uuid[]) ORDER BY sku_id`,
    [skuIds],
  );

describe('catalog.admin.createProduct', () => {
  it('creates a draft with its SKUs and their stock, in one transaction', async () => {
    const brand = await h.brand();
    const p = await h.admin.createProduct({
      name: '  无线蓝牙耳机 Pro  ',
      categoryId,
      brandId: brand.id,
      images: ['https://example.com/1.jpg', '/media/demo/product-1-1.svg'],
      attributes: { 颜色数: '2', 续航: '30小时' },
      skus: [
        {
          code: h.unique('EAR'),
          spec: { 颜色: '白色', 版本: '标准版' },
          price: 29900,
          costPrice: 15000,
          initialStock: 50,
        },
        { code: h.unique('EAR'), spec: { 颜色: '黑色', 版本: '标准版' }, price: 29900 },
      ],
    });
    expect(p).toMatchObject({
      name: '无线蓝牙耳机 Pro',
      status: 'draft',
      publishedAt: null,
      brandId: brand.id,
      categoryId,
      description: null,
    });
    expect(Object.keys(p.attributes)).toEqual(['颜色数', '续航']); // as entered
    expect(p.skus.map((s) => [s.spec, s.price, s.costPrice, s.status])).toEqual([
      [{ 颜色: '白色', 版本: '标准版' }, 29900, 15000, 'active'],
      [{ 颜色: '黑色', 版本: '标准版' }, 29900, null, 'active'],
    ]);
    const stock = await stockRows(p.skus.map((s) => s.id));
    expect(new Map(stock.map((r) => [r.sku_id, r.on_hand]))).toEqual(
      new Map([
        [p.skus[0].id, 50],
        [p.skus[1].id, 0],
      ]),
    );
    const ledger = await h.q<{ operator: string; ref_type: string; ref_id: string; quantity: number }>(
      `SELECT operator, ref_type, ref_id, quantity FROM inventory.ledger WHERE sku_id = $1`,
      [p.skus[0].id],
    );
    expect(ledger).toEqual([{ operator: ADMIN_ID, ref_type: 'MANUAL', ref_id: p.id, quantity: 50 }]);
    expect(await h.admin.product({ id: p.id })).toEqual(p);
  });

  it('refuses a SKU code already in use (CONFLICT naming the SKU) and leaves nothing behind', async () => {
    const taken = (await h.product({ categoryId }, 1)).skus[0].code;
    const name = h.unique('dup');
    const fresh = h.unique('FRESH');
    const err = await failure(
      h,
      h.admin.createProduct({
        name,
        categoryId,
        skus: [
          { code: fresh, spec: { a: '1' }, price: 1, initialStock: 5 },
          { code: taken, spec: { a: '2' }, price: 1, initialStock: 5 },
        ],
      }),
    );
    expect(err.code).toBe('CONFLICT');
    expect(err.data.zodError?.fieldErrors['skus.1.code']).toEqual([`SKU code ${taken} is already used by another SKU`]);
    expect(await h.q(`SELECT 1 FROM catalog.products WHERE name = $1`, [name])).toEqual([]);
    expect(await h.q(`SELECT 1 FROM catalog.skus WHERE code = $1`, [fresh])).toEqual([]);
  });

  it('creates stock in the product’s own transaction: when inventory refuses, no product or SKU remains', async () => {
    const name = h.unique('atomic');
    const code = h.unique('ATOMIC');
    // Past the router's bounds on purpose: inventory's own check throws inside the transaction.
    const input = { name, categoryId, skus: [{ code, spec: {}, price: 1, initialStock: -1 }] };
    await expect(h.svc.createProduct(input, ADMIN_ID)).rejects.toThrow(/invalid quantity/);
    expect(await h.q(`SELECT 1 FROM catalog.products WHERE name = $1`, [name])).toEqual([]);
    expect(await h.q(`SELECT 1 FROM catalog.skus WHERE code = $1`, [code])).toEqual([]);
  });

  it('lets one of two concurrent products with the same new SKU code through; the other gets the field error', async () => {
    const code = h.unique('RACE');
    const make = () =>
      h.admin.createProduct({
        name: h.unique('race'),
        categoryId,
        skus: [{ code, spec: {}, price: 1, initialStock: 1 }],
      });
    const results = await Promise.allSettled([make(), make(), make()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') {
        const err = await failure(h, Promise.reject(r.reason));
        expect(err.code).toBe('CONFLICT');
        expect(err.data.zodError?.fieldErrors['skus.0.code']).toBeDefined();
      }
    }
    expect(await h.q(`SELECT 1 FROM catalog.skus WHERE code = $1`, [code])).toHaveLength(1);
  });

  it('answers CATEGORY_NOT_FOUND and BRAND_NOT_FOUND for references that do not exist', async () => {
    const sku = () => [{ code: h.unique('X'), spec: {}, price: 1 }];
    const cat = await failure(h, h.admin.createProduct({ name: 'x', categoryId: h.newId(), skus: sku() }));
    expect([cat.code, cat.data.appCode]).toEqual(['NOT_FOUND', 'CATEGORY_NOT_FOUND']);
    const brand = await failure(h, h.admin.createProduct({ name: 'x', categoryId, brandId: h.newId(), skus: sku() }));
    expect([brand.code, brand.data.appCode]).toEqual(['NOT_FOUND', 'BRAND_NOT_FOUND']);
  });

  it('names the field of a bad input (BAD_REQUEST)', async () => {
    const ok = { name: 'x', categoryId, skus: [{ code: 'C-1', spec: { a: 'b' }, price: 100 }] };
    const sku = ok.skus[0];
    const cases: [unknown, string][] = [
      [{ ...ok, name: '' }, 'name'],
      [{ ...ok, name: 'x'.repeat(201) }, 'name'],
      [{ ...ok, categoryId: 'not-a-uuid' }, 'categoryId'],
      [{ ...ok, skus: [] }, 'skus'],
      [
        { ...ok, skus: Array.from({ length: 101 }, (_, i) => ({ ...sku, code: `C-${i}`, spec: { n: String(i) } })) },
        'skus',
      ],
      [{ ...ok, skus: [{ ...sku, price: 1.5 }] }, 'skus.0.price'],
      [{ ...ok, skus: [{ ...sku, price: -1 }] }, 'skus.0.price'],
      [{ ...ok, skus: [{ ...sku, price: 1e12 + 1 }] }, 'skus.0.price'],
      [{ ...ok, skus: [{ ...sku, code: 'has space' }] }, 'skus.0.code'],
      [{ ...ok, skus: [{ ...sku, spec: { a: 1 } }] }, 'skus.0.spec.a'],
      [
        { ...ok, skus: [{ ...sku, spec: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }] },
        'skus.0.spec',
      ],
      [{ ...ok, skus: [sku, { ...sku, spec: { a: 'c' } }] }, 'skus.1.code'],
      [{ ...ok, skus: [sku, { ...sku, code: 'C-2' }] }, 'skus.1.spec'],
      [{ ...ok, images: ['ftp://example.com/a.jpg'] }, 'images.0'],
      [{ ...ok, images: ['/a.jpg', '//evil.example/a.jpg'] }, 'images.1'],
      [{ ...ok, images: ['media/a.jpg'] }, 'images.0'],
      [{ ...ok, images: ['/\\evil.example/a.jpg'] }, 'images.0'],
      [{ ...ok, images: Array.from({ length: 21 }, () => 'https://example.com/a.jpg') }, 'images'],
      [{ ...ok, skus: [{ ...sku, initialStock: -1 }] }, 'skus.0.initialStock'],
    ];
    for (const [input, field] of cases) {
      const err = await failure(h, h.admin.createProduct(input as never));
      expect(err.code, field).toBe('BAD_REQUEST');
      expect(Object.keys(err.data.zodError?.fieldErrors ?? {}), field).toContain(field);
    }
    const price = await failure(h, h.admin.setSkuPrice({ skuId: h.newId(), price: -5 }));
    expect(price.data.zodError?.fieldErrors.price).toBeDefined();
  });
});

describe('admin procedures are for admins', () => {
  it('answers FORBIDDEN to a customer and UNAUTHORIZED without a valid token', async () => {
    const calls = (token?: 'customer' | 'bogus') => {
      const a = h.caller(token).catalog.admin;
      return [
        a.createCategory({ name: 'x' }),
        a.createBrand({ name: 'x' }),
        a.createProduct({ name: 'x', categoryId, skus: [{ code: 'X-1', spec: {}, price: 1 }] }),
        a.updateProduct({ id: h.newId(), name: 'x' }),
        a.setSkuPrice({ skuId: h.newId(), price: 1 }),
        a.publish({ id: h.newId() }),
        a.unpublish({ id: h.newId() }),
        a.product({ id: h.newId() }),
      ];
    };
    for (const call of calls('customer')) {
      const err = await failure(h, call);
      expect([err.code, err.data.appCode]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    }
    for (const token of [undefined, 'bogus'] as const) {
      for (const call of calls(token)) expect((await failure(h, call)).code).toBe('UNAUTHORIZED');
    }
  });
});

describe('prices', () => {
  it('setSkuPrice changes the price and writes price_changed with old and new prices in the same transaction', async () => {
    const p = await h.published({ categoryId });
    const sku = p.skus[1];
    const updated = await h.admin.setSkuPrice({ skuId: sku.id, price: 4321 });
    expect(updated).toMatchObject({ id: sku.id, productId: p.id, price: 4321 });
    const events = await h.events<PriceChangedV1>(EVENTS.catalog.priceChanged, p.id);
    expect(events).toEqual([
      {
        aggregate_id: p.id,
        version: 1,
        data: { changes: [{ skuId: sku.id, oldPrice: sku.price, newPrice: 4321 }], source: 'admin' },
      },
    ]);
    // The same price again changes nothing and says nothing.
    await h.admin.setSkuPrice({ skuId: sku.id, price: 4321 });
    expect(await h.events(EVENTS.catalog.priceChanged, p.id)).toHaveLength(1);
    // Public reads see the new price at once.
    expect((await h.pub.product({ id: p.id })).skus[1].price).toBe(4321);
    expect((await h.pub.skus({ ids: [sku.id] }))[0].price).toBe(4321);

    const missing = await failure(h, h.admin.setSkuPrice({ skuId: h.newId(), price: 1 }));
    expect([missing.code, missing.data.appCode]).toEqual(['NOT_FOUND', 'SKU_NOT_FOUND']);
  });

  it('setPrices (for pricing jobs) changes many SKUs at once, one event per product, or none when a SKU is unknown', async () => {
    const a = await h.published({ categoryId }, 2);
    const b = await h.published({ categoryId }, 1);
    const changes = await h.svc.setPrices(
      [
        { skuId: a.skus[0].id, price: 1 },
        { skuId: a.skus[1].id, price: a.skus[1].price }, // unchanged
        { skuId: b.skus[0].id, price: 3 },
      ],
      { source: 'job', jobId: 'job-1' },
    );
    expect(changes.map((c) => c.skuId).sort()).toEqual([a.skus[0].id, b.skus[0].id].sort());
    expect((await h.events<PriceChangedV1>(EVENTS.catalog.priceChanged, a.id)).map((e) => e.data)).toEqual([
      { changes: [{ skuId: a.skus[0].id, oldPrice: a.skus[0].price, newPrice: 1 }], source: 'job', jobId: 'job-1' },
    ]);
    expect(await h.events(EVENTS.catalog.priceChanged, b.id)).toHaveLength(1);

    await expect(
      h.svc.setPrices(
        [
          { skuId: a.skus[0].id, price: 99 },
          { skuId: h.newId(), price: 1 },
        ],
        { source: 'job' },
      ),
    ).rejects.toMatchObject({
      appCode: 'SKU_NOT_FOUND',
    });
    expect((await h.admin.product({ id: a.id })).skus[0].price).toBe(1);
  });
});

describe('publish and unpublish', () => {
  it('emit product_published / product_unpublished once each; a repeat is a no-op', async () => {
    const p = await h.product({ categoryId });
    const published = await h.admin.publish({ id: p.id });
    expect(published.status).toBe('published');
    expect(published.publishedAt).not.toBeNull();
    await h.admin.publish({ id: p.id });
    const pub = await h.events<ProductPublishedV1>(EVENTS.catalog.productPublished, p.id);
    expect(pub.map((e) => e.data)).toEqual([
      {
        productId: p.id,
        name: p.name,
        categoryId,
        brandId: null,
        skuIds: p.skus.map((s) => s.id),
        publishedAt: published.publishedAt,
      },
    ]);

    expect((await h.admin.unpublish({ id: p.id })).status).toBe('unpublished');
    await h.admin.unpublish({ id: p.id });
    const unpub = await h.events<ProductUnpublishedV1>(EVENTS.catalog.productUnpublished, p.id);
    expect(unpub.map((e) => e.data)).toEqual([{ productId: p.id, skuIds: p.skus.map((s) => s.id) }]);

    const missing = await failure(h, h.admin.publish({ id: h.newId() }));
    expect(missing.data.appCode).toBe('PRODUCT_NOT_FOUND');
  });
});

describe('catalog.admin.updateProduct', () => {
  it('changes fields, changes and adds SKUs (with stock), and emits price_changed for new prices', async () => {
    const p = await h.product({ categoryId }, 2);
    const brand = await h.brand();
    const other = await h.category();
    const newCode = h.unique('NEW');
    const updated = await h.admin.updateProduct({
      id: p.id,
      name: '新名字',
      description: '描述',
      brandId: brand.id,
      categoryId: other.id,
      images: ['https://example.com/x.jpg'],
      skus: [
        { id: p.skus[0].id, price: 5, costPrice: 2, spec: { size: 'XL' } },
        { id: p.skus[1].id, status: 'inactive' },
        { code: newCode, spec: { size: 'XXL' }, price: 7, initialStock: 9 },
      ],
    });
    expect(updated).toMatchObject({
      name: '新名字',
      description: '描述',
      brandId: brand.id,
      categoryId: other.id,
      images: ['https://example.com/x.jpg'],
    });
    expect(updated.skus.map((s) => [s.code, s.spec, s.price, s.costPrice, s.status])).toEqual([
      [p.skus[0].code, { size: 'XL' }, 5, 2, 'active'],
      [p.skus[1].code, p.skus[1].spec, p.skus[1].price, null, 'inactive'],
      [newCode, { size: 'XXL' }, 7, null, 'active'],
    ]);
    expect(updated.updatedAt > p.updatedAt).toBe(true);
    expect((await stockRows([updated.skus[2].id]))[0].on_hand).toBe(9);
    const events = await h.events<PriceChangedV1>(EVENTS.catalog.priceChanged, p.id);
    expect(events.map((e) => e.data)).toEqual([
      { changes: [{ skuId: p.skus[0].id, oldPrice: p.skus[0].price, newPrice: 5 }], source: 'admin' },
    ]);

    // Clearing the brand and the description.
    expect(await h.admin.updateProduct({ id: p.id, brandId: null, description: null })).toMatchObject({
      brandId: null,
      description: null,
    });
  });

  it('refuses another product’s SKU, an unknown product and a code in use', async () => {
    const a = await h.product({ categoryId }, 1);
    const b = await h.product({ categoryId }, 1);
    const foreign = await failure(h, h.admin.updateProduct({ id: a.id, skus: [{ id: b.skus[0].id, price: 1 }] }));
    expect(foreign.data.appCode).toBe('SKU_NOT_FOUND');
    const unknown = await failure(h, h.admin.updateProduct({ id: h.newId(), name: 'x' }));
    expect(unknown.data.appCode).toBe('PRODUCT_NOT_FOUND');
    const taken = await failure(
      h,
      h.admin.updateProduct({ id: a.id, skus: [{ id: a.skus[0].id, code: b.skus[0].code }] }),
    );
    expect(taken.code).toBe('CONFLICT');
    expect(taken.data.zodError?.fieldErrors['skus.0.code']).toBeDefined();
    // Keeping its own code is not a conflict.
    await h.admin.updateProduct({ id: a.id, skus: [{ id: a.skus[0].id, code: a.skus[0].code, price: 3 }] });
  });
});
