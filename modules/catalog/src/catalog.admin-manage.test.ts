import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CategoryNode } from '@zjmall/contracts';
import { MAX_CATEGORY_DEPTH } from './categories.service';
import { createHarness, failure, type Harness } from './testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('catalogmanage', { invalidateAgainAfterMs: 0 });
});
afterAll(() => h?.close());

function find(nodes: CategoryNode[], id: string): CategoryNode | undefined {
  for (const n of nodes) {
    if (n.id === id) return n;
    const hit = find(n.children, id);
    if (hit) return hit;
  }
  return undefined;
}

const rows = (ids: string[]) =>
  h.q<{ id: string; parent_id: string | null; path: string[]; depth: number }>(
    `SELECT id, parent_id, path, depth FROM catalog.categories WHERE id = ANY($1::uuid[])`,
    [ids],
  );

describe('catalog.admin.updateCategory', () => {
  it('renames and reorders; the cached tree and the cached product breadcrumbs show it at once', async () => {
    const top = await h.category();
    const leaf = await h.category(top.id);
    const p = await h.published({ categoryId: leaf.id }, 1);
    await h.pub.categoryTree();
    expect((await h.pub.product({ id: p.id })).categoryPath.map((c) => c.name)).toEqual([top.name, leaf.name]);

    const renamed = await h.admin.updateCategory({ id: top.id, name: '  家用电器  ', sort: 7 });
    expect(renamed).toEqual({ id: top.id, parentId: null, name: '家用电器', sort: 7, depth: 0 });
    expect(find(await h.pub.categoryTree(), top.id)).toMatchObject({ name: '家用电器', sort: 7 });
    expect((await h.pub.product({ id: p.id })).categoryPath.map((c) => c.name)).toEqual(['家用电器', leaf.name]);

    const sorted = await h.admin.updateCategory({ id: leaf.id, sort: -3 });
    expect(sorted).toEqual({ id: leaf.id, parentId: top.id, name: leaf.name, sort: -3, depth: 1 });
  });

  it('moves a category with its whole subtree (paths and depths rewritten), and to the top level with null', async () => {
    const a = await h.category();
    const b = await h.category(a.id);
    const c = await h.category(b.id);
    const target = await h.category();
    const p = await h.published({ categoryId: c.id }, 1);
    await h.pub.product({ id: p.id }); // cached with the old breadcrumbs

    const moved = await h.admin.updateCategory({ id: b.id, parentId: target.id });
    expect(moved).toMatchObject({ id: b.id, parentId: target.id, depth: 1 });
    const byId = new Map((await rows([b.id, c.id])).map((r) => [r.id, r]));
    expect(byId.get(b.id)).toMatchObject({ parent_id: target.id, path: [target.id, b.id], depth: 1 });
    expect(byId.get(c.id)).toMatchObject({ parent_id: b.id, path: [target.id, b.id, c.id], depth: 2 });
    expect((await h.pub.product({ id: p.id })).categoryPath.map((x) => x.id)).toEqual([target.id, b.id, c.id]);
    // The public list's category filter follows the new tree.
    expect((await h.pub.products({ categoryId: target.id })).items.map((i) => i.id)).toContain(p.id);
    expect((await h.pub.products({ categoryId: a.id })).items.map((i) => i.id)).not.toContain(p.id);
    const tree = await h.pub.categoryTree();
    expect(find(tree, a.id)?.children).toEqual([]);
    expect(find(tree, target.id)?.children.map((n) => n.id)).toEqual([b.id]);

    const up = await h.admin.updateCategory({ id: b.id, parentId: null });
    expect(up).toMatchObject({ parentId: null, depth: 0 });
    expect((await rows([c.id]))[0]).toMatchObject({ path: [b.id, c.id], depth: 1 });
  });

  it('refuses a move under the category itself or one of its descendants (BAD_REQUEST naming parentId), changing nothing', async () => {
    const a = await h.category();
    const b = await h.category(a.id);
    const c = await h.category(b.id);
    for (const parentId of [a.id, b.id, c.id]) {
      const err = await failure(h, h.admin.updateCategory({ id: a.id, parentId, name: h.unique('never') }));
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.data.zodError?.fieldErrors.parentId).toEqual([
        'a category cannot move under itself or one of its subcategories',
      ]);
    }
    expect((await rows([a.id, c.id])).find((r) => r.id === c.id)).toMatchObject({ path: [a.id, b.id, c.id], depth: 2 });
    expect((await rows([a.id]))[0]).toMatchObject({ parent_id: null, path: [a.id] });
  });

  it('two concurrent moves that together would make a cycle: one wins, the other is BAD_REQUEST naming parentId, never a 500', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [await h.category(), await h.category()];
      const results = await Promise.allSettled([
        h.admin.updateCategory({ id: a.id, parentId: b.id }),
        h.admin.updateCategory({ id: b.id, parentId: a.id }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected')!;
      const err = await failure(h, Promise.reject(lost.reason));
      expect([err.code, Object.keys(err.data.zodError?.fieldErrors ?? {})]).toEqual(['BAD_REQUEST', ['parentId']]);
      const byId = new Map((await rows([a.id, b.id])).map((r) => [r.id, r]));
      const roots = [byId.get(a.id)!, byId.get(b.id)!].filter((r) => r.parent_id === null);
      expect(roots).toHaveLength(1); // one is the root, the other under it
    }
  });

  it(`refuses a move that would nest deeper than ${MAX_CATEGORY_DEPTH + 1} levels, an unknown parent and a taken sibling name`, async () => {
    let deep = await h.category();
    for (let i = 0; i < MAX_CATEGORY_DEPTH - 1; i++) deep = await h.category(deep.id); // depth MAX - 1
    const sub = await h.category();
    await h.category(sub.id); // the subtree is 2 levels high
    const tooDeep = await failure(h, h.admin.updateCategory({ id: sub.id, parentId: deep.id }));
    expect(tooDeep.code).toBe('BAD_REQUEST');
    expect(tooDeep.data.zodError?.fieldErrors.parentId?.[0]).toMatch(/at most/);
    expect((await rows([sub.id]))[0].depth).toBe(0);

    const unknown = await failure(h, h.admin.updateCategory({ id: sub.id, parentId: h.newId() }));
    expect([unknown.code, unknown.data.appCode]).toEqual(['NOT_FOUND', 'CATEGORY_NOT_FOUND']);
    const missing = await failure(h, h.admin.updateCategory({ id: h.newId(), name: 'x' }));
    expect(missing.data.appCode).toBe('CATEGORY_NOT_FOUND');

    const parent = await h.category();
    const taken = await h.category(parent.id);
    const other = await h.category(parent.id);
    const dup = await failure(h, h.admin.updateCategory({ id: other.id, name: taken.name }));
    expect(dup.code).toBe('CONFLICT');
    expect(dup.data.zodError?.fieldErrors.name).toBeDefined();
    const top = await h.category(undefined, taken.name); // the same name at the top level is fine…
    const dupMove = await failure(h, h.admin.updateCategory({ id: top.id, parentId: parent.id })); // …not beside its namesake
    expect(dupMove.code).toBe('CONFLICT');
    expect((await rows([top.id]))[0].parent_id).toBeNull();
  });
});

describe('catalog.admin.deleteCategory', () => {
  it('refuses a category with subcategories or products (CATEGORY_NOT_EMPTY) and deletes an empty one', async () => {
    const parent = await h.category();
    const child = await h.category(parent.id);
    const withChild = await failure(h, h.admin.deleteCategory({ id: parent.id }));
    expect([withChild.code, withChild.data.appCode]).toEqual(['CONFLICT', 'CATEGORY_NOT_EMPTY']);
    expect(withChild.data.details).toEqual({ categoryId: parent.id, children: 1, products: 0 });

    await h.product({ categoryId: child.id }, 1); // a draft counts too
    const withProduct = await failure(h, h.admin.deleteCategory({ id: child.id }));
    expect(withProduct.data.appCode).toBe('CATEGORY_NOT_EMPTY');
    expect(withProduct.data.details).toEqual({ categoryId: child.id, children: 0, products: 1 });

    const empty = await h.category(parent.id);
    await h.pub.categoryTree();
    expect(await h.admin.deleteCategory({ id: empty.id })).toEqual({ id: empty.id, deleted: true });
    expect(find(await h.pub.categoryTree(), empty.id)).toBeUndefined();
    expect(await rows([empty.id])).toEqual([]);
    const again = await failure(h, h.admin.deleteCategory({ id: empty.id }));
    expect([again.code, again.data.appCode]).toEqual(['NOT_FOUND', 'CATEGORY_NOT_FOUND']);
  });
});

describe('catalog.admin.updateBrand / deleteBrand', () => {
  it('renames a brand and sets or removes its logo; the cached brand list and product views show it at once', async () => {
    const brand = await h.brand();
    const categoryId = (await h.category()).id;
    const p = await h.published({ categoryId, brandId: brand.id }, 1);
    await h.pub.brands();
    await h.pub.product({ id: p.id });

    const name = h.unique('新品牌');
    const updated = await h.admin.updateBrand({ id: brand.id, name, logo: '/media/logo.svg' });
    expect(updated).toEqual({ id: brand.id, name, logo: '/media/logo.svg' });
    expect(await h.pub.brands()).toContainEqual(updated);
    expect((await h.pub.product({ id: p.id })).brand).toEqual(updated);

    expect(await h.admin.updateBrand({ id: brand.id, logo: null })).toEqual({ id: brand.id, name, logo: null });
    expect((await h.pub.product({ id: p.id })).brand?.logo).toBeNull();
    expect(await h.admin.updateBrand({ id: brand.id })).toEqual({ id: brand.id, name, logo: null });

    const other = await h.brand();
    const dup = await failure(h, h.admin.updateBrand({ id: other.id, name: name.toUpperCase() }));
    expect(dup.code).toBe('CONFLICT');
    expect(dup.data.zodError?.fieldErrors.name).toBeDefined();
    const missing = await failure(h, h.admin.updateBrand({ id: h.newId(), name: 'x' }));
    expect([missing.code, missing.data.appCode]).toEqual(['NOT_FOUND', 'BRAND_NOT_FOUND']);
    const badLogo = await failure(h, h.admin.updateBrand({ id: other.id, logo: 'javascript:alert(1)' }));
    expect(badLogo.code).toBe('BAD_REQUEST');
    expect(badLogo.data.zodError?.fieldErrors.logo).toBeDefined();
  });

  it('refuses to delete a brand a product uses (BRAND_IN_USE) and deletes an unused one', async () => {
    const used = await h.brand();
    await h.product({ categoryId: (await h.category()).id, brandId: used.id }, 1);
    const err = await failure(h, h.admin.deleteBrand({ id: used.id }));
    expect([err.code, err.data.appCode]).toEqual(['CONFLICT', 'BRAND_IN_USE']);
    expect(err.data.details).toEqual({ brandId: used.id, products: 1 });

    const unused = await h.brand();
    await h.pub.brands();
    expect(await h.admin.deleteBrand({ id: unused.id })).toEqual({ id: unused.id, deleted: true });
    expect((await h.pub.brands()).map((b) => b.id)).not.toContain(unused.id);
    expect((await failure(h, h.admin.deleteBrand({ id: unused.id }))).data.appCode).toBe('BRAND_NOT_FOUND');
  });
});

describe('catalog.admin.products', () => {
  it('lists every product, drafts included, newest first, with status, SKU count and price range; filters and pages', async () => {
    const top = await h.category();
    const leaf = await h.category(top.id);
    const q = h.unique('吹风机');
    const draft = await h.product({ categoryId: leaf.id, name: `${q} draft`, images: ['/media/a.svg'] }, 3);
    const published = await h.published({ categoryId: top.id, name: `${q} live` }, 1);
    const unpublished = await h.admin.unpublish({
      id: (await h.published({ categoryId: leaf.id, name: `${q} off` }, 2)).id,
    });
    await h.admin.updateProduct({ id: draft.id, skus: [{ id: draft.skus[2].id, status: 'inactive', price: 1 }] });

    const all = await h.admin.products({ categoryId: top.id });
    expect(all.items.map((i) => i.id)).toEqual([unpublished.id, published.id, draft.id]);
    const d = all.items[2];
    expect(d).toMatchObject({
      name: `${q} draft`,
      image: '/media/a.svg',
      status: 'draft',
      categoryId: leaf.id,
      brandId: null,
      skuCount: 3,
    });
    expect([d.priceMin, d.priceMax, d.publishedAt]).toEqual([1000, 1100, null]); // the inactive SKU's price left out
    expect(Date.parse(d.updatedAt)).not.toBeNaN();
    expect(all.items[1]).toMatchObject({ status: 'published', skuCount: 1 });
    expect(all.items[1].publishedAt).not.toBeNull();

    expect((await h.admin.products({ categoryId: top.id, status: 'draft' })).items.map((i) => i.id)).toEqual([
      draft.id,
    ]);
    expect((await h.admin.products({ categoryId: leaf.id })).items.map((i) => i.id)).toEqual([
      unpublished.id,
      draft.id,
    ]);
    expect((await h.admin.products({ q: `${q} LIVE` })).items.map((i) => i.id)).toEqual([published.id]);
    expect((await h.admin.products({ q: '%', categoryId: top.id })).items).toEqual([]); // % is literal

    const first = await h.admin.products({ categoryId: top.id, limit: 2 });
    expect(first.items.map((i) => i.id)).toEqual([unpublished.id, published.id]);
    const second = await h.admin.products({ categoryId: top.id, limit: 2, cursor: first.nextCursor! });
    expect(second).toMatchObject({ items: [{ id: draft.id }], nextCursor: null });
    // The public list still shows only the published one.
    expect((await h.pub.products({ categoryId: top.id })).items.map((i) => i.id)).toEqual([published.id]);
  });

  it('answers FORBIDDEN to a customer for every new admin procedure, and BAD_REQUEST for a wrong status', async () => {
    const a = h.caller('customer').catalog.admin;
    const id = h.newId();
    for (const call of [
      a.products({}),
      a.updateCategory({ id, name: 'x' }),
      a.deleteCategory({ id }),
      a.updateBrand({ id, name: 'x' }),
      a.deleteBrand({ id }),
    ]) {
      expect((await failure(h, call)).code).toBe('FORBIDDEN');
    }
    const bad = await failure(h, h.admin.products({ status: 'deleted' as never }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.data.zodError?.fieldErrors.status).toBeDefined();
  });
});
