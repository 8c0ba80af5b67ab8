import type { Category, CategoryNode, CreateCategoryInput } from '@zjmall/contracts';
import { DomainError, newId } from '@zjmall/platform';
import { cacheKeys } from './catalog.cache';
import { select, type CatalogDeps } from './catalog.deps';
import { FieldError, isUniqueViolation } from './field-error';
import { CategoryModel } from './models';

/** Deeper trees than this are refused: a storefront menu has a few levels, not dozens. */
export const MAX_CATEGORY_DEPTH = 5;

interface CategoryRow {
  id: string;
  parent_id: string | null;
  name: string;
  sort: number;
  depth: number;
}

const toCategory = (r: CategoryRow): Category => ({ id: r.id, parentId: r.parent_id, name: r.name, sort: r.sort, depth: r.depth });

/** Nests rows ordered by depth (parents before children); siblings keep the rows' order. */
export function buildTree(rows: CategoryRow[]): CategoryNode[] {
  const nodes = new Map<string, CategoryNode>();
  const roots: CategoryNode[] = [];
  for (const r of rows) {
    const node: CategoryNode = { ...toCategory(r), children: [] };
    nodes.set(r.id, node);
    const parent = r.parent_id ? nodes.get(r.parent_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export function createCategoryUseCases({ db, cache }: CatalogDeps) {
  async function tree(): Promise<CategoryNode[]> {
    const hit = await cache.store.get<CategoryNode[]>(cacheKeys.categoryTree);
    if (hit) return hit;
    const rows = await select<CategoryRow>(
      db,
      `SELECT id, parent_id, name, sort, depth FROM catalog.categories ORDER BY depth, sort, name, id`,
      [],
    );
    const built = buildTree(rows);
    await cache.fill([{ key: cacheKeys.categoryTree, value: built, ttlSeconds: cache.options.listTtlSeconds }]);
    return built;
  }

  async function create(input: CreateCategoryInput): Promise<Category> {
    const id = newId();
    let parentPath: string[] = [];
    if (input.parentId) {
      const parent = await CategoryModel.findByPk(input.parentId);
      if (!parent) throw new DomainError('CATEGORY_NOT_FOUND', `Category ${input.parentId} not found`);
      if (parent.depth + 1 > MAX_CATEGORY_DEPTH) {
        throw new FieldError('BAD_REQUEST', ['parentId'], `categories nest at most ${MAX_CATEGORY_DEPTH + 1} levels deep`);
      }
      parentPath = parent.path;
    }
    try {
      const row = await CategoryModel.create({
        id,
        parentId: input.parentId ?? null,
        name: input.name,
        sort: input.sort ?? 0,
        path: [...parentPath, id],
        depth: parentPath.length,
      });
      await cache.invalidate([cacheKeys.categoryTree]);
      return { id: row.id, parentId: row.parentId, name: row.name, sort: row.sort, depth: row.depth };
    } catch (e) {
      if (isUniqueViolation(e, 'categories_sibling_name_key')) {
        throw new FieldError('CONFLICT', ['name'], `a category named ${input.name} already exists there`);
      }
      throw e;
    }
  }

  return { tree, create };
}
