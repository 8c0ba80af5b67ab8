import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useSearch } from 'wouter';
import type { CategoryNode, ProductListItem } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useI18n } from '../lib/i18n';
import { keys } from '../lib/queries';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';

const PAGE = 24;

function href(params: { q?: string | null; category?: string | null; brand?: string | null }) {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) s.set(k, v);
  const qs = s.toString();
  return qs ? `/?${qs}` : '/';
}

function CategoryList({
  nodes,
  current,
  q,
  brand,
}: {
  nodes: CategoryNode[];
  current: string | null;
  q: string | null;
  brand: string | null;
}) {
  return (
    <ul>
      {nodes.map((c) => (
        <li key={c.id}>
          <Link href={href({ q, category: c.id, brand })} aria-current={c.id === current ? 'page' : undefined}>
            {c.name}
          </Link>
          {c.children.length > 0 && <CategoryList nodes={c.children} current={current} q={q} brand={brand} />}
        </li>
      ))}
    </ul>
  );
}

function ProductCard({ p }: { p: ProductListItem }) {
  return (
    <li className="card">
      <Link href={`/products/${p.id}`} className="card-img" tabIndex={-1} aria-hidden="true">
        {p.image ? <img src={p.image} alt="" loading="lazy" width={240} height={240} /> : <span className="noimg" />}
      </Link>
      <Link href={`/products/${p.id}`} className="card-name">
        {p.name}
      </Link>
      <p className="card-price">
        {p.priceMin !== null && <Money value={p.priceMin} />}
        {p.priceMax !== null && p.priceMax !== p.priceMin && (
          <>
            {' – '}
            <Money value={p.priceMax} />
          </>
        )}
      </p>
    </li>
  );
}

function findName(nodes: CategoryNode[], id: string): string | null {
  for (const n of nodes) {
    if (n.id === id) return n.name;
    const inner = findName(n.children, id);
    if (inner) return inner;
  }
  return null;
}

export function HomePage() {
  const { t } = useI18n();
  const params = new URLSearchParams(useSearch());
  const q = params.get('q');
  const category = params.get('category');
  const brand = params.get('brand');
  const categories = useQuery({
    queryKey: keys.categories,
    queryFn: () => client.catalog.categoryTree.query(),
    staleTime: 300_000,
  });
  const brands = useQuery({ queryKey: keys.brands, queryFn: () => client.catalog.brands.query(), staleTime: 300_000 });
  const filter = { q: q ?? undefined, categoryId: category ?? undefined, brandId: brand ?? undefined };
  const products = useInfiniteQuery({
    queryKey: keys.products(filter),
    queryFn: ({ pageParam }) => client.catalog.products.query({ ...filter, cursor: pageParam, limit: PAGE }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = products.data?.pages.flatMap((p) => p.items) ?? [];
  const categoryName = category && categories.data ? findName(categories.data, category) : null;
  const brandName = brand ? brands.data?.find((b) => b.id === brand)?.name : null;
  const heading = [q && `“${q}”`, categoryName, brandName].filter(Boolean).join(' · ') || t('products');

  return (
    <div className="home">
      <aside className="filters">
        <section aria-labelledby="cat-h">
          <h2 id="cat-h">{t('categories')}</h2>
          <p>
            <Link href={href({ q, brand })} aria-current={!category ? 'page' : undefined}>
              {t('allCategories')}
            </Link>
          </p>
          {categories.data && <CategoryList nodes={categories.data} current={category} q={q} brand={brand} />}
        </section>
        <section aria-labelledby="brand-h">
          <h2 id="brand-h">{t('brands')}</h2>
          <ul className="brands">
            <li>
              <Link href={href({ q, category })} aria-current={!brand ? 'page' : undefined}>
                {t('allBrands')}
              </Link>
            </li>
            {brands.data?.map((b) => (
              <li key={b.id}>
                <Link href={href({ q, category, brand: b.id })} aria-current={b.id === brand ? 'page' : undefined}>
                  {b.name}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      </aside>
      <section className="results" aria-labelledby="results-h">
        <h1 id="results-h">{heading}</h1>
        <ErrorNote error={products.error} />
        {products.isPending ? (
          <p>{t('loading')}</p>
        ) : items.length === 0 ? (
          <p>{t('noProducts')}</p>
        ) : (
          <ul className="grid" aria-label={t('products')}>
            {items.map((p) => (
              <ProductCard key={p.id} p={p} />
            ))}
          </ul>
        )}
        {products.hasNextPage && (
          <button type="button" onClick={() => void products.fetchNextPage()} disabled={products.isFetchingNextPage}>
            {products.isFetchingNextPage ? t('loading') : t('loadMore')}
          </button>
        )}
      </section>
    </div>
  );
}
