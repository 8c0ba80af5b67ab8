import type {
  Category,
  CategoryNode,
  CreateCategoryInput,
  DeletedOutput,
  UpdateCategoryInput,
} from '@zjmall/contracts';
import { DomainError, newId } from '@zjmall/platform';
import { cacheKeys } from './catalog.cache';
import { select, type CatalogDeps } from './catalog.deps';
import { FieldError, isForeignKeyViolation, isUniqueViolation } from './field-error';
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

const toCategory = (r: CategoryRow): Category => ({
  id: r.id,
  parentId: r.parent_id,
  name: r.name,
  sort: r.sort,
  depth: r.depth,
});

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
    try {
      const row = await db.transaction(async (transaction) => {
        let parentPath: string[] = [];
        if (input.parentId) {
          // FOR SHARE: a move of the parent's subtree (which locks it FOR UPDATE) waits for this
          // insert, or this insert waits for the move and reads the parent's new path.
          const parent = await CategoryModel.findByPk(input.parentId, { transaction, lock: transaction.LOCK.SHARE });
          if (!parent) throw new DomainError('CATEGORY_NOT_FOUND', `Category ${input.parentId} not found`);
          if (parent.depth + 1 > MAX_CATEGORY_DEPTH) {
            throw new FieldError(
              'BAD_REQUEST',
              ['parentId'],
              `categories nest at most ${MAX_CATEGORY_DEPTH + 1} levels deep`,
            );
          }
          parentPath = parent.path;
        }
        return CategoryModel.create(
          {
            id,
            parentId: input.parentId ?? null,
            name: input.name,
            sort: input.sort ?? 0,
            path: [...parentPath, id],
            depth: parentPath.length,
          },
          { transaction },
        );
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

  /**
   * Renames, reorders or moves a category (with its whole subtree: every descendant's path and
   * depth are rewritten in the same transaction). Moves are serialised by an advisory lock, so two
   * moves cannot make a cycle; a move under the category itself or one of its descendants, or one
   * that would nest the subtree deeper than MAX_CATEGORY_DEPTH, is a BAD_REQUEST naming parentId.
   */
  async function update(input: UpdateCategoryInput): Promise<Category> {
    let renamedOrMoved = false;
    try {
      const row = await db.transaction(async (transaction) => {
        const moveRequested = input.parentId !== undefined;
        if (moveRequested)
          await db.query(`SELECT pg_advisory_xact_lock(hashtext('catalog.categories:move'))`, { transaction });
        const row = await CategoryModel.findByPk(input.id, { transaction, lock: transaction.LOCK.UPDATE });
        if (!row) throw new DomainError('CATEGORY_NOT_FOUND', `Category ${input.id} not found`);
        const newParentId = input.parentId === undefined ? row.parentId : input.parentId;
        if (newParentId !== row.parentId) {
          let parentPath: string[] = [];
          if (newParentId) {
            const parent = await CategoryModel.findByPk(newParentId, { transaction, lock: transaction.LOCK.SHARE });
            if (!parent) throw new DomainError('CATEGORY_NOT_FOUND', `Category ${newParentId} not found`);
            if (parent.path.includes(row.id)) {
              throw new FieldError(
                'BAD_REQUEST',
                ['parentId'],
                'a category cannot move under itself or one of its subcategories',
              );
            }
            parentPath = parent.path;
          }
          // Lock the subtree first: a child being created under it finishes before the rewrite
          // below, whose own (later) snapshot then includes that child.
          const subtree = await select<{ depth: number }>(
            db,
            `SELECT depth FROM catalog.categories WHERE path @> ARRAY[$1::uuid] FOR UPDATE`,
            [row.id],
            transaction,
          );
          const height = Math.max(...subtree.map((r) => r.depth)) - row.depth;
          if (parentPath.length + height > MAX_CATEGORY_DEPTH) {
            throw new FieldError(
              'BAD_REQUEST',
              ['parentId'],
              `categories nest at most ${MAX_CATEGORY_DEPTH + 1} levels deep`,
            );
          }
          await db.query(
            `UPDATE catalog.categories
                SET path = $2::uuid[] || path[$3::int:], depth = cardinality($2::uuid[]) + depth - $4::int
              WHERE path @> ARRAY[$1::uuid]`,
            { bind: [row.id, parentPath, row.depth + 1, row.depth], transaction },
          );
          row.parentId = newParentId;
          row.path = [...parentPath, row.id];
          row.depth = parentPath.length;
          renamedOrMoved = true;
        }
        if (input.name !== undefined && input.name !== row.name) {
          row.name = input.name;
          renamedOrMoved = true;
        }
        if (input.sort !== undefined) row.sort = input.sort;
        await CategoryModel.update(
          { parentId: row.parentId, name: row.name, sort: row.sort },
          { where: { id: row.id }, transaction },
        );
        return row;
      });
      await invalidateAfterChange(row.id, renamedOrMoved);
      return toCategory({ id: row.id, parent_id: row.parentId, name: row.name, sort: row.sort, depth: row.depth });
    } catch (e) {
      if (isUniqueViolation(e, 'categories_sibling_name_key')) {
        throw new FieldError('CONFLICT', ['name'], `a category with this name already exists there`);
      }
      throw e;
    }
  }

  /** Deletes a category that has no subcategories and no products (CATEGORY_NOT_EMPTY otherwise). */
  async function remove(id: string): Promise<DeletedOutput> {
    const [row] = await select<{ found: boolean; children: number; products: number }>(
      db,
      `SELECT EXISTS (SELECT 1 FROM catalog.categories WHERE id = $1) AS found,
              (SELECT count(*)::int FROM catalog.categories WHERE parent_id = $1) AS children,
              (SELECT count(*)::int FROM catalog.products WHERE category_id = $1) AS products`,
      [id],
    );
    if (!row.found) throw new DomainError('CATEGORY_NOT_FOUND', `Category ${id} not found`);
    const notEmpty = (children: number, products: number) =>
      new DomainError('CATEGORY_NOT_EMPTY', `Category ${id} has ${children} subcategories and ${products} products`, {
        categoryId: id,
        children,
        products,
      });
    if (row.children > 0 || row.products > 0) throw notEmpty(row.children, row.products);
    try {
      const deleted = await CategoryModel.destroy({ where: { id } });
      if (deleted === 0) throw new DomainError('CATEGORY_NOT_FOUND', `Category ${id} not found`);
    } catch (e) {
      // A subcategory or product added since the check above: the foreign keys refuse the delete.
      if (isForeignKeyViolation(e)) throw notEmpty(row.children, row.products);
      throw e;
    }
    await cache.invalidate([cacheKeys.categoryTree]);
    return { id, deleted: true };
  }

  /** The tree, and (after a rename or move) the cached products whose breadcrumbs show this subtree. */
  async function invalidateAfterChange(id: string, breadcrumbsChanged: boolean) {
    await cache.invalidate([cacheKeys.categoryTree]);
    if (!breadcrumbsChanged) return;
    const products = await select<{ id: string }>(
      db,
      `SELECT p.id FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id WHERE c.path @> ARRAY[$1::uuid]`,
      [id],
    );
    await cache.invalidateProducts(
      products.map((p) => p.id),
      [],
    );
  }

  return { tree, create, update, remove };
}
