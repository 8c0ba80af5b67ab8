import type { Brand, CreateBrandInput } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { cacheKeys } from './catalog.cache';
import { select, type CatalogDeps } from './catalog.deps';
import { FieldError, isUniqueViolation } from './field-error';
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
      if (isUniqueViolation(e, 'brands_name_key')) throw new FieldError('CONFLICT', ['name'], `a brand named ${input.name} already exists`);
      throw e;
    }
  }

  return { list, create };
}
