import { useEffect, useState, type FormEvent } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useSearch } from 'wouter';
import type { AdminProduct, CategoryNode, ProductStatus } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useCurrency } from '../lib/queries';
import { Money } from '../components/money';
import { ErrorNote } from '../components/error-note';
import { FieldError } from '../components/field-error';
import { useAdminT, parseMoney, moneyText, fractionDigits } from './texts';

const STATUSES: ProductStatus[] = ['draft', 'published', 'unpublished'];

function flatten(nodes: CategoryNode[], depth = 0): { node: CategoryNode; depth: number }[] {
  return nodes.flatMap((n) => [{ node: n, depth }, ...flatten(n.children, depth + 1)]);
}

function useCategories() {
  return useQuery({ queryKey: ['admin', 'categories'], queryFn: () => client.catalog.categoryTree.query() });
}
function useBrands() {
  return useQuery({ queryKey: ['admin', 'brands'], queryFn: () => client.catalog.brands.query() });
}

function CategoryOptions({ nodes, exclude }: { nodes: CategoryNode[]; exclude?: string }) {
  return (
    <>
      {flatten(nodes)
        .filter(({ node }) => node.id !== exclude)
        .map(({ node, depth }) => (
          <option key={node.id} value={node.id}>
            {'\u00a0\u00a0'.repeat(depth)}
            {node.name}
          </option>
        ))}
    </>
  );
}

function CategoryRow({ node, depth, all }: { node: CategoryNode; depth: number; all: CategoryNode[] }) {
  const { t } = useAdminT();
  const qc = useQueryClient();
  const [name, setName] = useState(node.name);
  const [parentId, setParentId] = useState(node.parentId ?? '');
  const [sort, setSort] = useState(String(node.sort));
  const refresh = () => void qc.invalidateQueries({ queryKey: ['admin', 'categories'] });
  const save = useMutation({
    mutationFn: () =>
      client.catalog.admin.updateCategory.mutate({
        id: node.id,
        name: name.trim(),
        parentId: parentId || null,
        sort: Math.trunc(Number(sort) || 0),
      }),
    onSuccess: refresh,
  });
  const del = useMutation({
    mutationFn: () => client.catalog.admin.deleteCategory.mutate({ id: node.id }),
    onSuccess: refresh,
  });
  return (
    <li style={{ paddingLeft: `${depth * 1.2}rem` }}>
      <form
        className="toolbar"
        aria-label={node.name}
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <input
          aria-label={`${t('name')}: ${node.name}`}
          value={name}
          maxLength={200}
          onChange={(e) => setName(e.target.value)}
        />
        <select
          aria-label={`${t('parent')}: ${node.name}`}
          value={parentId}
          onChange={(e) => setParentId(e.target.value)}
        >
          <option value="">{t('root')}</option>
          <CategoryOptions nodes={all} exclude={node.id} />
        </select>
        <input
          aria-label={`${t('sort')}: ${node.name}`}
          type="number"
          value={sort}
          onChange={(e) => setSort(e.target.value)}
        />
        <button type="submit" disabled={save.isPending}>
          {t('rename')}
        </button>
        <button type="button" className="link" onClick={() => del.mutate()} disabled={del.isPending}>
          {t('delete')}
        </button>
      </form>
      <FieldError error={save.error} path="name" />
      <FieldError error={save.error} path="parentId" />
      <ErrorNote error={save.error ?? del.error} />
    </li>
  );
}

function CategoriesPanel() {
  const { t } = useAdminT();
  const qc = useQueryClient();
  const cats = useCategories();
  const [name, setName] = useState('');
  const [parentId, setParentId] = useState('');
  const create = useMutation({
    mutationFn: () =>
      client.catalog.admin.createCategory.mutate({ name: name.trim(), parentId: parentId || undefined }),
    onSuccess: () => {
      setName('');
      void qc.invalidateQueries({ queryKey: ['admin', 'categories'] });
    },
  });
  const all = cats.data ?? [];
  return (
    <details className="panel">
      <summary>
        <strong>{t('categories')}</strong>
      </summary>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label>
          {t('newCategory')}
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('parent')}
          <select value={parentId} onChange={(e) => setParentId(e.target.value)}>
            <option value="">{t('root')}</option>
            <CategoryOptions nodes={all} />
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>
          {t('create')}
        </button>
      </form>
      <ErrorNote error={create.error ?? cats.error} />
      <ul className="plain">
        {flatten(all).map(({ node, depth }) => (
          <CategoryRow
            key={`${node.id}:${node.name}:${node.parentId}:${node.sort}`}
            node={node}
            depth={depth}
            all={all}
          />
        ))}
      </ul>
    </details>
  );
}

function BrandRow({ id, name: initial, logo: initialLogo }: { id: string; name: string; logo: string | null }) {
  const { t } = useAdminT();
  const qc = useQueryClient();
  const [name, setName] = useState(initial);
  const [logo, setLogo] = useState(initialLogo ?? '');
  const refresh = () => void qc.invalidateQueries({ queryKey: ['admin', 'brands'] });
  const save = useMutation({
    mutationFn: () => client.catalog.admin.updateBrand.mutate({ id, name: name.trim(), logo: logo.trim() || null }),
    onSuccess: refresh,
  });
  const del = useMutation({ mutationFn: () => client.catalog.admin.deleteBrand.mutate({ id }), onSuccess: refresh });
  return (
    <li>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <input
          aria-label={`${t('name')}: ${initial}`}
          value={name}
          maxLength={200}
          onChange={(e) => setName(e.target.value)}
        />
        <input
          aria-label={`${t('logo')}: ${initial}`}
          value={logo}
          maxLength={2048}
          placeholder={t('logo')}
          onChange={(e) => setLogo(e.target.value)}
        />
        <button type="submit">{t('rename')}</button>
        <button type="button" className="link" onClick={() => del.mutate()}>
          {t('delete')}
        </button>
      </form>
      <ErrorNote error={save.error ?? del.error} />
    </li>
  );
}

function BrandsPanel() {
  const { t } = useAdminT();
  const qc = useQueryClient();
  const brands = useBrands();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => client.catalog.admin.createBrand.mutate({ name: name.trim() }),
    onSuccess: () => {
      setName('');
      void qc.invalidateQueries({ queryKey: ['admin', 'brands'] });
    },
  });
  return (
    <details className="panel">
      <summary>
        <strong>{t('brands')}</strong>
      </summary>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label>
          {t('name')}
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit">{t('create')}</button>
      </form>
      <ErrorNote error={create.error ?? brands.error} />
      <ul className="plain">
        {brands.data?.map((b) => (
          <BrandRow key={`${b.id}:${b.name}:${b.logo}`} id={b.id} name={b.name} logo={b.logo} />
        ))}
      </ul>
    </details>
  );
}

export function ProductsPage() {
  const { t, locale } = useAdminT();
  const params = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const q = params.get('q') ?? '';
  const status = (params.get('status') ?? '') as ProductStatus | '';
  const [text, setText] = useState(q);
  const list = useInfiniteQuery({
    queryKey: ['admin', 'products', q, status],
    queryFn: ({ pageParam }) =>
      client.catalog.admin.products.query({
        q: q || undefined,
        status: status || undefined,
        cursor: pageParam,
        limit: 30,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const go = (next: { q?: string; status?: string }) => {
    const p = new URLSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}), ...next });
    for (const [k, v] of [...p]) if (!v) p.delete(k);
    navigate(`/products?${p}`);
  };
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>{t('products')}</h1>
      <p>
        <Link href="/products/new">{t('newProduct')}</Link>
      </p>
      <CategoriesPanel />
      <BrandsPanel />
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: text.trim() });
        }}
      >
        <label>
          {t('search')}
          <input type="search" value={text} maxLength={100} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="submit">{t('search')}</button>
        <label>
          {t('status')}
          <select value={status} onChange={(e) => go({ status: e.target.value })}>
            <option value="">{t('all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(s)}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={list.error} />
      <table className="data">
        <thead>
          <tr>
            <th>{t('name')}</th>
            <th>{t('status')}</th>
            <th className="num">{t('price')}</th>
            <th className="num">{t('skus')}</th>
            <th>{t('createdAt')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.id}>
              <td>
                <Link href={`/products/${p.id}`}>{p.name}</Link>
              </td>
              <td data-product-status={p.status}>{t(p.status)}</td>
              <td className="num">{p.priceMin !== null && <Money value={p.priceMin} />}</td>
              <td className="num">{p.skuCount}</td>
              <td>{new Date(p.updatedAt).toLocaleString(locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()}>
          {t('loadMore')}
        </button>
      )}
    </section>
  );
}

interface SkuDraft {
  id?: string;
  code: string;
  spec: string;
  price: string;
  costPrice: string;
  initialStock: string;
  /** Units per customer ('' : no limit) and its window as datetime-local values ('' : open). */
  limit: string;
  limitFrom: string;
  limitTo: string;
}

const NEW_SKU: SkuDraft = {
  code: '',
  spec: '',
  price: '',
  costPrice: '',
  initialStock: '0',
  limit: '',
  limitFrom: '',
  limitTo: '',
};

/** An instant as a datetime-local value in the browser's zone, and back. */
const localInput = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const instant = (local: string) => (local.trim() === '' ? null : new Date(local).toISOString());
/** The SKU input's purchaseLimit from the draft (null: none; a bad number goes as NaN → the server names the field). */
const limitInput = (s: SkuDraft) =>
  s.limit.trim() === ''
    ? null
    : { limit: Math.trunc(Number(s.limit)), startsAt: instant(s.limitFrom), endsAt: instant(s.limitTo) };

const specText = (spec: Record<string, string>) =>
  Object.entries(spec)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
const parsePairs = (text: string, sep: RegExp) =>
  Object.fromEntries(
    text
      .split(sep)
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=');
        return i < 0 ? [p, ''] : [p.slice(0, i).trim(), p.slice(i + 1).trim()];
      }),
  ) as Record<string, string>;

/** Create or edit a product with its SKUs; every value is checked by the server, which names the field it refuses. */
export function ProductEditorPage({ id }: { id: string | null }) {
  const { t } = useAdminT();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const currency = useCurrency() ?? 'CNY';
  const digits = fractionDigits(currency);
  const cats = useCategories();
  const brands = useBrands();
  const product = useQuery({
    queryKey: ['admin', 'product', id],
    queryFn: () => client.catalog.admin.product.query({ id: id! }),
    enabled: id !== null,
  });
  const [f, setF] = useState({ name: '', categoryId: '', brandId: '', description: '', images: '', attributes: '' });
  const [skus, setSkus] = useState<SkuDraft[]>([NEW_SKU]);
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const p = product.data;
  useEffect(() => {
    if (!p || loadedFor === `${p.id}:${p.updatedAt}`) return;
    setLoadedFor(`${p.id}:${p.updatedAt}`);
    setF({
      name: p.name,
      categoryId: p.categoryId,
      brandId: p.brandId ?? '',
      description: p.description ?? '',
      images: p.images.join('\n'),
      attributes: Object.entries(p.attributes)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    });
    setSkus(
      p.skus.map((s) => ({
        id: s.id,
        code: s.code,
        spec: specText(s.spec),
        price: moneyText(s.price, digits),
        costPrice: s.costPrice === null ? '' : moneyText(s.costPrice, digits),
        initialStock: '',
        limit: s.purchaseLimit ? String(s.purchaseLimit.limit) : '',
        limitFrom: localInput(s.purchaseLimit?.startsAt ?? null),
        limitTo: localInput(s.purchaseLimit?.endsAt ?? null),
      })),
    );
  }, [p, loadedFor, digits]);

  const money = (text: string) => (text.trim() === '' ? undefined : (parseMoney(text, digits) ?? -1));
  const save = useMutation({
    mutationFn: async (): Promise<AdminProduct> => {
      const common = {
        name: f.name.trim(),
        categoryId: f.categoryId,
        description: f.description.trim() || undefined,
        images: f.images
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
        attributes: parsePairs(f.attributes, /\n/),
      };
      if (!id) {
        return client.catalog.admin.createProduct.mutate({
          ...common,
          brandId: f.brandId || undefined,
          skus: skus.map((s) => ({
            code: s.code.trim(),
            spec: parsePairs(s.spec, /;/),
            price: money(s.price) ?? -1,
            costPrice: money(s.costPrice),
            initialStock: s.initialStock.trim() === '' ? undefined : Math.trunc(Number(s.initialStock)),
            purchaseLimit: limitInput(s),
          })),
        });
      }
      return client.catalog.admin.updateProduct.mutate({
        id,
        ...common,
        description: f.description.trim() || null,
        brandId: f.brandId || null,
        skus: skus.map((s) =>
          s.id
            ? {
                id: s.id,
                code: s.code.trim(),
                spec: parsePairs(s.spec, /;/),
                price: money(s.price),
                costPrice: s.costPrice.trim() === '' ? null : money(s.costPrice),
                purchaseLimit: limitInput(s),
              }
            : {
                code: s.code.trim(),
                spec: parsePairs(s.spec, /;/),
                price: money(s.price) ?? -1,
                costPrice: money(s.costPrice),
                initialStock: s.initialStock.trim() === '' ? undefined : Math.trunc(Number(s.initialStock)),
                purchaseLimit: limitInput(s),
              },
        ),
      });
    },
    onSuccess: (saved) => {
      void qc.invalidateQueries({ queryKey: ['admin'] });
      qc.setQueryData(['admin', 'product', saved.id], saved);
      if (!id) navigate(`/products/${saved.id}`);
    },
  });
  const publish = useMutation({
    mutationFn: (on: boolean) =>
      on ? client.catalog.admin.publish.mutate({ id: id! }) : client.catalog.admin.unpublish.mutate({ id: id! }),
    onSuccess: (saved) => {
      qc.setQueryData(['admin', 'product', saved.id], saved);
      void qc.invalidateQueries({ queryKey: ['admin', 'products'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const setSku = (i: number, patch: Partial<SkuDraft>) =>
    setSkus(skus.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  if (id && product.isPending) return <p>…</p>;
  if (id && product.error) return <ErrorNote error={product.error} />;
  return (
    <section>
      <p>
        <Link href="/products">← {t('products')}</Link>
      </p>
      <h1>
        {id ? t('editProduct') : t('newProduct')} {p && <small data-product-status={p.status}>· {t(p.status)}</small>}
      </h1>
      {p && (
        <p>
          {p.status === 'published' ? (
            <button type="button" onClick={() => publish.mutate(false)} disabled={publish.isPending}>
              {t('unpublish')}
            </button>
          ) : (
            <button type="button" className="primary" onClick={() => publish.mutate(true)} disabled={publish.isPending}>
              {t('publish')}
            </button>
          )}{' '}
          {p.status === 'published' && <a href={`/products/${p.id}`}>{t('storefront')} ↗</a>}
        </p>
      )}
      <ErrorNote error={publish.error} />
      <form onSubmit={submit} className="panel">
        <div className="form-grid">
          <label>
            {t('name')}
            <input required maxLength={200} value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
            <FieldError error={save.error} path="name" />
          </label>
          <label>
            {t('category')}
            <select required value={f.categoryId} onChange={(e) => setF({ ...f, categoryId: e.target.value })}>
              <option value="" disabled>
                —
              </option>
              <CategoryOptions nodes={cats.data ?? []} />
            </select>
            <FieldError error={save.error} path="categoryId" />
          </label>
          <label>
            {t('brand')}
            <select value={f.brandId} onChange={(e) => setF({ ...f, brandId: e.target.value })}>
              <option value="">{t('noBrand')}</option>
              {brands.data?.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
            <FieldError error={save.error} path="brandId" />
          </label>
        </div>
        <label className="block">
          {t('description')}
          <textarea
            maxLength={20_000}
            value={f.description}
            onChange={(e) => setF({ ...f, description: e.target.value })}
          />
          <FieldError error={save.error} path="description" />
        </label>
        <div className="cols">
          <label className="block">
            {t('images')}
            <textarea value={f.images} onChange={(e) => setF({ ...f, images: e.target.value })} />
            <FieldError error={save.error} path="images" />
          </label>
          <label className="block">
            {t('attributes')}
            <textarea value={f.attributes} onChange={(e) => setF({ ...f, attributes: e.target.value })} />
            <FieldError error={save.error} path="attributes" />
          </label>
        </div>
        <h2>{t('skus')}</h2>
        <FieldError error={save.error} path="skus" />
        <table className="data">
          <thead>
            <tr>
              <th>{t('code')}</th>
              <th>{t('spec')}</th>
              <th>
                {t('price')} ({currency})
              </th>
              <th>{t('costPrice')}</th>
              <th>{t('initialStock')}</th>
              <th>{t('promotion')}</th>
              <th>{t('purchaseLimit')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {skus.map((s, i) => {
              const promo = p?.skus.find((x) => x.id === s.id)?.promotion;
              return (
                <tr key={s.id ?? `new-${i}`}>
                  <td>
                    <input
                      aria-label={`${t('code')} ${i + 1}`}
                      required
                      maxLength={64}
                      value={s.code}
                      onChange={(e) => setSku(i, { code: e.target.value })}
                    />
                    <FieldError error={save.error} path={`skus.${i}.code`} />
                  </td>
                  <td>
                    <input
                      aria-label={`${t('spec')} ${i + 1}`}
                      value={s.spec}
                      onChange={(e) => setSku(i, { spec: e.target.value })}
                    />
                    <FieldError error={save.error} path={`skus.${i}.spec`} />
                  </td>
                  <td>
                    <input
                      aria-label={`${t('price')} ${i + 1}`}
                      required
                      inputMode="decimal"
                      value={s.price}
                      onChange={(e) => setSku(i, { price: e.target.value })}
                    />
                    <FieldError error={save.error} path={`skus.${i}.price`} />
                  </td>
                  <td>
                    <input
                      aria-label={`${t('costPrice')} ${i + 1}`}
                      inputMode="decimal"
                      value={s.costPrice}
                      onChange={(e) => setSku(i, { costPrice: e.target.value })}
                    />
                    <FieldError error={save.error} path={`skus.${i}.costPrice`} />
                  </td>
                  <td>
                    {s.id ? (
                      <Link href={`/inventory?sku=${s.id}`}>{t('inventory')}</Link>
                    ) : (
                      <input
                        aria-label={`${t('initialStock')} ${i + 1}`}
                        type="number"
                        min={0}
                        value={s.initialStock}
                        onChange={(e) => setSku(i, { initialStock: e.target.value })}
                      />
                    )}
                    <FieldError error={save.error} path={`skus.${i}.initialStock`} />
                  </td>
                  <td>{promo ? <Money value={promo.price} /> : '—'}</td>
                  <td className="limit-cell">
                    <input
                      aria-label={`${t('purchaseLimit')} ${i + 1}`}
                      type="number"
                      min={1}
                      placeholder="—"
                      value={s.limit}
                      onChange={(e) => setSku(i, { limit: e.target.value })}
                    />
                    {s.limit.trim() !== '' && (
                      <>
                        <label>
                          {t('limitFrom')}{' '}
                          <input
                            aria-label={`${t('purchaseLimit')} ${t('limitFrom')} ${i + 1}`}
                            type="datetime-local"
                            value={s.limitFrom}
                            onChange={(e) => setSku(i, { limitFrom: e.target.value })}
                          />
                        </label>
                        <label>
                          {t('limitTo')}{' '}
                          <input
                            aria-label={`${t('purchaseLimit')} ${t('limitTo')} ${i + 1}`}
                            type="datetime-local"
                            value={s.limitTo}
                            onChange={(e) => setSku(i, { limitTo: e.target.value })}
                          />
                        </label>
                      </>
                    )}
                    <FieldError error={save.error} path={`skus.${i}.purchaseLimit.limit`} />
                    <FieldError error={save.error} path={`skus.${i}.purchaseLimit.endsAt`} />
                  </td>
                  <td>
                    {!s.id && skus.length > 1 && (
                      <button type="button" className="link" onClick={() => setSkus(skus.filter((_, j) => j !== i))}>
                        {t('removeSku')}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p>
          <button type="button" onClick={() => setSkus([...skus, NEW_SKU])}>
            {t('addSku')}
          </button>
        </p>
        <ErrorNote error={save.error} />
        {save.isSuccess && <p role="status">{t('saved')}</p>}
        <button type="submit" className="primary" disabled={save.isPending}>
          {t('save')}
        </button>
      </form>
    </section>
  );
}
