import type { Brand, CreateBrandInput, DeletedOutput, UpdateBrandInput } from '@zjmall/contracts';
import { DomainError, newId } from '@zjmall/platform';
import { cacheKeys } from './catalog.cache';
import { select, type CatalogDeps } from './catalog.deps';
import { FieldError, isForeignKeyViolation, isUniqueViolation } from './field-error';
import { BrandModel } from './models';

export function createBrandUseCases({ db, cache }: CatalogDeps) {
  async function list(): Promise<Brand[]> {
    const hit = await cache.store.get<Brand[]>(cacheKeys.brands);
    if (hit) return hit;
    const rows = await select<Brand>(db, `SELECT id, name, logo FROM catalog.brands ORDER BY lower(name), id`, []);
    await cache.fill([{ key: cacheKeys.brands, value: rows, ttlSeconds: cache.options.listTtlSeconds }]);
    return rows;
  }

  async function create(input: CreateBrandInput): Promise<Brand> {
    try {
      const row = await BrandModel.create({ id: newId(), name: input.name, logo: input.logo ?? null });
      await cache.invalidate([cacheKeys.brands]);
      return { id: row.id, name: row.name, logo: row.logo };
    } catch (e) {
      if (isUniqueViolation(e, 'brands_name_key'))
        throw new FieldError('CONFLICT', ['name'], `a brand named ${input.name} already exists`);
      throw e;
    }
  }

  /** Renames a brand or changes its logo (null: none); the cached products showing it are dropped. */
  async function update(input: UpdateBrandInput): Promise<Brand> {
    const changes: { name?: string; logo?: string | null } = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.logo !== undefined) changes.logo = input.logo;
    try {
      const row =
        Object.keys(changes).length === 0
          ? await BrandModel.findByPk(input.id)
          : (await BrandModel.update(changes, { where: { id: input.id }, returning: true }))[1][0];
      if (!row) throw new DomainError('BRAND_NOT_FOUND', `Brand ${input.id} not found`);
      await cache.invalidate([cacheKeys.brands]);
      const products = await select<{ id: string }>(db, `SELECT id FROM catalog.products WHERE brand_id = $1`, [
        input.id,
      ]);
      await cache.invalidateProducts(
        products.map((p) => p.id),
        [],
      );
      return { id: row.id, name: row.name, logo: row.logo };
    } catch (e) {
      if (isUniqueViolation(e, 'brands_name_key'))
        throw new FieldError('CONFLICT', ['name'], `a brand named ${input.name} already exists`);
      throw e;
    }
  }

  /** Deletes a brand no product uses (BRAND_IN_USE otherwise, with how many do). */
  async function remove(id: string): Promise<DeletedOutput> {
    const [row] = await select<{ found: boolean; products: number }>(
      db,
      `SELECT EXISTS (SELECT 1 FROM catalog.brands WHERE id = $1) AS found,
              (SELECT count(*)::int FROM catalog.products WHERE brand_id = $1) AS products`,
      [id],
    );
    if (!row.found) throw new DomainError('BRAND_NOT_FOUND', `Brand ${id} not found`);
    const inUse = (products: number) =>
      new DomainError('BRAND_IN_USE', `Brand ${id} is used by ${products} products`, { brandId: id, products });
    if (row.products > 0) throw inUse(row.products);
    try {
      const deleted = await BrandModel.destroy({ where: { id } });
      if (deleted === 0) throw new DomainError('BRAND_NOT_FOUND', `Brand ${id} not found`);
    } catch (e) {
      // A product given this brand since the check above: the foreign key refuses the delete.
      if (isForeignKeyViolation(e)) throw inUse(row.products);
      throw e;
    }
    await cache.invalidate([cacheKeys.brands]);
    return { id, deleted: true };
  }

  return { list, create, update, remove };
}
