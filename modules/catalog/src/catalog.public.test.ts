import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CategoryNode } from '@zjmall/contracts';
import { createHarness, failure, type Harness } from './testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('catalogpub');
});
afterAll(() => h?.close());

const find = (nodes: CategoryNode[], id: string): CategoryNode | undefined => {
  for (const n of nodes) {
    if (n.id === id) return n;
    const inner = find(n.children, id);
    if (inner) return inner;
  }
  return undefined;
};

describe('catalog.categoryTree and the category filter', () => {
  it('nests categories in sort order and shows a new one at once', async () => {
    const root = await h.category(undefined, h.unique('手机数码'));
    const phones = await h.admin.createCategory({ name: '手机', parentId: root.id, sort: 20 });
    const earphones = await h.admin.createCategory({ name: '耳机', parentId: root.id, sort: 10 });
    const tws = await h.admin.createCategory({ name: '真无线耳机', parentId: earphones.id });
    expect(tws).toMatchObject({ parentId: earphones.id, depth: 2, sort: 0 });

    const tree = await h.pub.categoryTree();
    const node = find(tree, root.id)!;
    expect(node.children.map((c) => c.name)).toEqual(['耳机', '手机']);
    expect(node.children[0].children.map((c) => c.id)).toEqual([tws.id]);

    // Cached, but invalidated by the write: a new child shows in the next read.
    const cases = await h.admin.createCategory({ name: '手机壳', parentId: phones.id });
    expect(find(await h.pub.categoryTree(), phones.id)!.children.map((c) => c.id)).toEqual([cases.id]);
  });

  it('filters products by a category and all of its descendants', async () => {
    const root = await h.category();
    const child = await h.category(root.id);
    const grandchild = await h.category(child.id);
    const other = await h.category();
    const inRoot = await h.published({ categoryId: root.id });
    const inChild = await h.published({ categoryId: child.id });
    const inGrandchild = await h.published({ categoryId: grandchild.id });
    await h.published({ categoryId: other.id });

    const ids = async (categoryId: string) => (await h.pub.products({ categoryId })).items.map((i) => i.id).sort();
    expect(await ids(root.id)).toEqual([inRoot.id, inChild.id, inGrandchild.id].sort());
    expect(await ids(child.id)).toEqual([inChild.id, inGrandchild.id].sort());
    expect(await ids(grandchild.id)).toEqual([inGrandchild.id]);
    expect(await ids(h.newId())).toEqual([]);
  });

  it('refuses a parent that does not exist and a sibling of the same name', async () => {
    const missing = await failure(h, h.admin.createCategory({ name: 'x', parentId: h.newId() }));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.data.appCode).toBe('CATEGORY_NOT_FOUND');
    const root = await h.category();
    await h.admin.createCategory({ name: '同名', parentId: root.id });
    const dup = await failure(h, h.admin.createCategory({ name: '同名', parentId: root.id }));
    expect(dup.code).toBe('CONFLICT');
    expect(dup.data.zodError?.fieldErrors.name).toBeDefined();
  });
});

describe('catalog.brands', () => {
  it('lists brands by name, a new one at once; names are unique case-insensitively', async () => {
    const a = await h.admin.createBrand({ name: h.unique('Acme'), logo: 'https://example.com/acme.png' });
    const brands = await h.pub.brands();
    expect(brands).toContainEqual({ id: a.id, name: a.name, logo: 'https://example.com/acme.png' });
    const dup = await failure(h, h.admin.createBrand({ name: a.name.toUpperCase() }));
    expect(dup.code).toBe('CONFLICT');
    expect(dup.data.zodError?.fieldErrors.name).toBeDefined();
  });
});

describe('catalog.products search', () => {
  let categoryId: string;
  let brandId: string;
  beforeAll(async () => {
    categoryId = (await h.category()).id;
    brandId = (await h.brand()).id;
  });

  it('finds a Chinese name by any part of it (蓝牙 → 无线蓝牙耳机)', async () => {
    const p = await h.published({ categoryId, name: '无线蓝牙耳机' });
    const other = await h.published({ categoryId, name: '有线耳机' });
    for (const q of ['蓝牙', '无线蓝牙', '蓝牙耳机', '无线蓝牙耳机']) {
      const ids = (await h.pub.products({ q, categoryId })).items.map((i) => i.id);
      expect(ids, q).toContain(p.id);
      expect(ids, q).not.toContain(other.id);
    }
    expect((await h.pub.products({ q: '耳机', categoryId })).items.map((i) => i.id)).toEqual([other.id, p.id]);
  });

  it('finds an English name by a middle part, case-insensitively', async () => {
    const p = await h.published({ categoryId, name: 'Sony WH-1000XM5 Wireless Headphones' });
    for (const q of ['headph', 'WIRELESS head', '1000xm', 'less']) {
      expect(
        (await h.pub.products({ q, categoryId })).items.map((i) => i.id),
        q,
      ).toContain(p.id);
    }
    expect((await h.pub.products({ q: 'bluetooth', categoryId })).items).toEqual([]);
  });

  it('treats % and _ in the query as plain characters', async () => {
    const p = await h.published({ categoryId, name: '100% 纯棉 T恤' });
    await h.published({ categoryId, name: '100 纯棉 T恤' });
    expect((await h.pub.products({ q: '100%', categoryId })).items.map((i) => i.id)).toEqual([p.id]);
    expect((await h.pub.products({ q: '_', categoryId })).items).toEqual([]);
  });

  it('filters by brand and answers list items with price range and first image', async () => {
    const p = await h.published(
      { categoryId, brandId, images: ['https://example.com/a.jpg', 'https://example.com/b.jpg'] },
      3,
    );
    await h.published({ categoryId });
    const { items } = await h.pub.products({ brandId });
    expect(items).toEqual([
      {
        id: p.id,
        name: p.name,
        image: 'https://example.com/a.jpg',
        categoryId,
        brandId,
        priceMin: 1000,
        priceMax: 1200,
        publishedAt: p.publishedAt,
      },
    ]);
  });
});

describe('catalog.products paging', () => {
  it('returns every published product exactly once, newest first, across pages', async () => {
    const categoryId = (await h.category()).id;
    const made: string[] = [];
    for (let i = 0; i < 23; i++) made.push((await h.published({ categoryId }, 1)).id);
    await h.product({ categoryId }, 1); // a draft: never listed
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.pub.products({ categoryId, limit: 5, cursor });
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual([...made].reverse());
  });

  it('refuses a limit over 100 and a cursor it did not make (BAD_REQUEST naming the field)', async () => {
    const limit = await failure(h, h.pub.products({ limit: 101 }));
    expect(limit.code).toBe('BAD_REQUEST');
    expect(limit.data.zodError?.fieldErrors.limit).toBeDefined();
    const cursor = await failure(h, h.pub.products({ cursor: 'not-a-cursor' }));
    expect(cursor.code).toBe('BAD_REQUEST');
    expect(cursor.data.zodError?.fieldErrors.cursor).toBeDefined();
  });
});

describe('catalog.product', () => {
  it('answers a published product with its active SKUs, specs, prices and stock status', async () => {
    const root = await h.category();
    const leaf = await h.category(root.id);
    const brand = await h.brand();
    const p = await h.admin.createProduct({
      name: h.unique('T恤'),
      categoryId: leaf.id,
      brandId: brand.id,
      description: '纯棉',
      images: ['https://example.com/t.jpg'],
      attributes: { 材质: '棉' },
      skus: [
        { code: h.unique('T'), spec: { color: 'red', size: 'M' }, price: 9900, initialStock: 100 },
        { code: h.unique('T'), spec: { color: 'red', size: 'L' }, price: 10900, initialStock: 3 },
        { code: h.unique('T'), spec: { color: 'blue', size: 'M' }, price: 9900 },
        { code: h.unique('T'), spec: { color: 'blue', size: 'L' }, price: 50000, initialStock: 5 },
      ],
    });
    await h.admin.updateProduct({ id: p.id, skus: [{ id: p.skus[3].id, status: 'inactive' }] });
    await h.admin.publish({ id: p.id });

    const detail = await h.pub.product({ id: p.id });
    expect(detail).toMatchObject({
      id: p.id,
      description: '纯棉',
      images: ['https://example.com/t.jpg'],
      attributes: { 材质: '棉' },
      categoryId: leaf.id,
      categoryPath: [
        { id: root.id, name: root.name },
        { id: leaf.id, name: leaf.name },
      ],
      brand: { id: brand.id, name: brand.name, logo: null },
      priceMin: 9900,
      priceMax: 10900,
      specOptions: [
        { name: 'color', values: ['red', 'blue'] },
        { name: 'size', values: ['M', 'L'] },
      ],
    });
    expect(detail.skus).toEqual([
      {
        id: p.skus[0].id,
        code: p.skus[0].code,
        spec: { color: 'red', size: 'M' },
        price: 9900,
        basePrice: 9900,
        promotion: null,
        purchaseLimit: null,
        available: 100,
        stockStatus: 'in_stock',
      },
      {
        id: p.skus[1].id,
        code: p.skus[1].code,
        spec: { color: 'red', size: 'L' },
        price: 10900,
        basePrice: 10900,
        promotion: null,
        purchaseLimit: null,
        available: 3,
        stockStatus: 'low_stock',
      },
      {
        id: p.skus[2].id,
        code: p.skus[2].code,
        spec: { color: 'blue', size: 'M' },
        price: 9900,
        basePrice: 9900,
        promotion: null,
        purchaseLimit: null,
        available: 0,
        stockStatus: 'out_of_stock',
      },
    ]);
  });

  it('answers NOT_FOUND for a draft, an unpublished and an unknown product; publishing shows at once', async () => {
    const categoryId = (await h.category()).id;
    const p = await h.product({ categoryId });
    const name = p.name;
    const notFound = async () => {
      const err = await failure(h, h.pub.product({ id: p.id }));
      expect(err.code).toBe('NOT_FOUND');
      expect(err.data.appCode).toBe('PRODUCT_NOT_FOUND');
      expect((await h.pub.products({ q: name })).items).toEqual([]);
    };
    await notFound(); // the draft is now cached as a draft
    await h.admin.publish({ id: p.id });
    expect((await h.pub.product({ id: p.id })).name).toBe(name);
    expect((await h.pub.products({ q: name })).items.map((i) => i.id)).toEqual([p.id]);
    await h.admin.unpublish({ id: p.id });
    await notFound();

    const unknown = await failure(h, h.pub.product({ id: h.newId() }));
    expect(unknown.data.appCode).toBe('PRODUCT_NOT_FOUND');
    const bad = await failure(h, h.pub.product({ id: 'nope' }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.data.zodError?.fieldErrors.id).toBeDefined();
  });

  it('shows an edit at once (the cached product is dropped by the write)', async () => {
    const categoryId = (await h.category()).id;
    const p = await h.published({ categoryId });
    expect((await h.pub.product({ id: p.id })).name).toBe(p.name);
    await h.admin.updateProduct({ id: p.id, name: '改过的名字', skus: [{ id: p.skus[0].id, price: 777 }] });
    const after = await h.pub.product({ id: p.id });
    expect(after.name).toBe('改过的名字');
    expect(after.skus[0].price).toBe(777);
  });
});
