import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness';
import { DEFAULT_SEED_PRODUCTS, seedCatalog, type SeedProgress } from './seed-catalog';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('catalogseed');
});
afterAll(() => h?.close());

const counts = async () => {
  const [c] = await h.q<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM catalog.categories) AS categories,
            (SELECT max(depth)::int FROM catalog.categories) AS "maxDepth",
            (SELECT count(*)::int FROM catalog.brands) AS brands,
            (SELECT count(*)::int FROM catalog.products) AS products,
            (SELECT count(*)::int FROM catalog.products WHERE status = 'published') AS published,
            (SELECT count(*)::int FROM catalog.skus) AS skus,
            (SELECT count(*)::int FROM catalog.skus s WHERE NOT EXISTS (SELECT 1 FROM inventory.stock t WHERE t.sku_id = s.id)) AS "skusWithoutStock",
            (SELECT count(*)::int FROM inventory.ledger) AS ledger`,
  );
  return c;
};

describe('seedCatalog (npm run seed)', () => {
  it('fills a fresh database with the full demo catalog, then a second run adds nothing', async () => {
    // An admin's own category of the same name is reused, not duplicated.
    const own = await h.admin.createCategory({ name: '手机数码' });
    const progress: SeedProgress[] = [];
    let usersEnsured = 0;
    const run = () =>
      seedCatalog({
        db: h.db,
        catalog: h.svc,
        inventory: h.inventory,
        log: h.env.log,
        ensureUsers: async () => void usersEnsured++,
        onProgress: (p) => progress.push(p),
      });

    const first = await run();
    const after = await counts();
    expect(after.categories).toBeGreaterThanOrEqual(50);
    expect(after.maxDepth).toBe(2);
    expect(after.products).toBe(DEFAULT_SEED_PRODUCTS);
    expect(after.published).toBe(DEFAULT_SEED_PRODUCTS);
    expect(after.skus).toBeGreaterThanOrEqual(10_000);
    expect(after.skusWithoutStock).toBe(0);
    expect(first).toMatchObject({
      categories: { total: after.categories, created: after.categories - 1 },
      products: { total: DEFAULT_SEED_PRODUCTS, created: DEFAULT_SEED_PRODUCTS },
      skus: { total: after.skus, created: after.skus },
    });
    expect(first.ms).toBeLessThan(30_000);
    expect(usersEnsured).toBe(1);
    const productPhase = progress.filter((p) => p.phase === 'products').map((p) => p.done);
    expect(productPhase).toEqual([...productPhase].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ phase: 'done' });
    const roots = (await h.pub.categoryTree()).filter((n) => n.name === '手机数码');
    expect(roots.map((r) => r.id)).toEqual([own.id]);
    expect(roots[0].children.map((c) => c.name)).toContain('耳机');

    const second = await run();
    expect(await counts()).toEqual(after);
    expect(second).toMatchObject({
      categories: { created: 0 },
      brands: { created: 0 },
      products: { created: 0 },
      skus: { created: 0 },
    });
    expect(usersEnsured).toBe(2);
  });

  it('stores root-relative demo image URLs, and rewrites the picsum.photos ones of older seeds (caches dropped)', async () => {
    const [{ outside }] = await h.q<{ outside: number }>(
      `SELECT count(*)::int AS outside FROM catalog.products WHERE NOT (images->>0 LIKE '/media/demo/product-%-1.svg' AND images->>1 LIKE '/media/demo/product-%-2.svg')`,
    );
    expect(outside).toBe(0);
    const [old] = await h.q<{ id: string }>(
      `SELECT id FROM catalog.products WHERE images->>0 = '/media/demo/product-5-1.svg'`,
    );
    await h.db.query(`UPDATE catalog.products SET images = $2::jsonb WHERE id = $1`, {
      bind: [
        old.id,
        JSON.stringify([
          'https://picsum.photos/seed/zjmall-5/800/800',
          'https://picsum.photos/seed/zjmall-5-b/800/800',
          'https://example.com/own.jpg',
        ]),
      ],
    });
    // An admin's own picsum image that is not a seed URL stays.
    const categoryId = (await h.pub.categoryTree())[0].id;
    const own = await h.admin.createProduct({
      name: 'own',
      categoryId,
      images: ['https://picsum.photos/200'],
      skus: [{ code: 'OWN-PICSUM-1', spec: { a: 'b' }, price: 100 }],
    });
    await h.admin.publish({ id: own.id });
    const detail = await h.pub.product({ id: old.id }); // now cached with the old URLs
    expect(detail.images[0]).toMatch(/^https:\/\/picsum/);
    const sku = detail.skus[0].id;
    expect((await h.pub.skus({ ids: [sku] }))[0].image).toMatch(/^https:\/\/picsum/);

    const seed = () => seedCatalog({ db: h.db, catalog: h.svc, inventory: h.inventory, log: h.env.log, products: 10 });
    expect((await seed()).images.rewritten).toBe(1);
    expect((await h.pub.product({ id: old.id })).images).toEqual([
      '/media/demo/product-5-1.svg',
      '/media/demo/product-5-2.svg',
      'https://example.com/own.jpg',
    ]);
    expect((await h.pub.skus({ ids: [sku] }))[0].image).toBe('/media/demo/product-5-1.svg');
    expect((await h.pub.product({ id: own.id })).images).toEqual(['https://picsum.photos/200']);
    expect((await seed()).images.rewritten).toBe(0);
  });

  it('leaves a catalog that the public procedures answer from', async () => {
    const found = await h.pub.products({ q: '蓝牙' });
    expect(found.items.map((i) => i.name)).toContain('无线蓝牙耳机');
    expect(found.items.every((i) => i.name.includes('蓝牙'))).toBe(true);
    const english = await h.pub.products({ q: 'wireless', limit: 100 });
    expect(english.items.length).toBeGreaterThan(0);
    expect(english.items.every((i) => /wireless/i.test(i.name))).toBe(true);

    const earphones = (await h.pub.categoryTree()).flatMap((n) => n.children).find((c) => c.name === '耳机')!;
    const page = await h.pub.products({ categoryId: earphones.id, limit: 3 });
    expect(page.items).toHaveLength(3);
    expect(page.nextCursor).not.toBeNull();
    const detail = await h.pub.product({ id: page.items[0].id });
    expect(detail.skus.length).toBeGreaterThan(0);
    expect(detail.skus.every((s) => ['in_stock', 'low_stock', 'out_of_stock'].includes(s.stockStatus))).toBe(true);
    expect(detail.priceMin).toBeGreaterThan(0);
  });
});
