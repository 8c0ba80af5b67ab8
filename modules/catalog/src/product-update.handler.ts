import { fn, type Transaction } from 'sequelize';
import {
  EVENTS,
  type AdminProduct,
  type NewSkuInput,
  type PriceChangedV1,
  type UpdateProductInput,
  type UpdateSkuInput,
} from '@zjmall/contracts';
import { DomainError, newId } from '@zjmall/platform';
import { assertReferences, loadAdminProduct } from './admin-product.view';
import type { CatalogDeps } from './catalog.deps';
import { ProductModel, SkuModel } from './models';
import { limitColumns } from './purchase-limit';
import { assertCodesFree, codeViolation, type WantedCode } from './sku-codes';
import { priceChangedAtFor } from './promotion-view';

type ExistingSkuInput = Exclude<UpdateSkuInput, NewSkuInput>;
const isExisting = (s: UpdateSkuInput): s is ExistingSkuInput => 'id' in s && typeof s.id === 'string';

/**
 * catalog.admin.updateProduct: changes the given fields; `skus` entries with an id change that
 * SKU (a new price emits price_changed), entries without one add a SKU with its stock.
 */
export function updateProductHandler(deps: CatalogDeps) {
  const { db, outbox, inventory, cache } = deps;

  async function updateSkus(productId: string, skus: UpdateSkuInput[], operator: string, transaction: Transaction) {
    // Locked in id order, as setPrices locks them, so the two never deadlock.
    const existing = await SkuModel.findAll({
      where: { productId },
      order: [['id', 'ASC']],
      transaction,
      lock: transaction.LOCK.UPDATE,
    });
    const byId = new Map(existing.map((s) => [s.id, s]));
    const wanted: WantedCode[] = [];
    skus.forEach((s, i) => {
      if (isExisting(s) && !byId.has(s.id))
        throw new DomainError('SKU_NOT_FOUND', `SKU ${s.id} is not a SKU of product ${productId}`);
      if (s.code !== undefined)
        wanted.push({ code: s.code, path: ['skus', i, 'code'], skuId: isExisting(s) ? s.id : undefined });
    });
    const changes: PriceChangedV1['changes'] = [];
    const added: { id: string; onHand: number }[] = [];
    try {
      await assertCodesFree(db, wanted, transaction);
      for (const s of skus) {
        if (!isExisting(s)) {
          const id = newId();
          await SkuModel.create(
            {
              id,
              productId,
              code: s.code,
              spec: s.spec,
              price: s.price,
              costPrice: s.costPrice ?? null,
              status: 'active',
              ...limitColumns(s.purchaseLimit ?? null),
            },
            { transaction },
          );
          added.push({ id, onHand: s.initialStock ?? 0 });
          continue;
        }
        const sku = byId.get(s.id)!;
        // A new base price that shows moves the current price: its time is recorded (promotion-view.ts).
        if (s.price !== undefined && s.price !== sku.price) {
          await db.query(
            `UPDATE catalog.skus s SET price_changed_at = ${priceChangedAtFor('$2::bigint')} WHERE s.id = $1`,
            { bind: [sku.id, s.price], transaction },
          );
        }
        // Under a promotion only the base moves: the promotion's end publishes it (prices.handler.ts).
        if (s.price !== undefined && s.price !== sku.price && sku.promoPrice === null) {
          changes.push({ skuId: sku.id, oldPrice: sku.price, newPrice: s.price });
        }
        const patch = {
          ...(s.code !== undefined ? { code: s.code } : {}),
          ...(s.spec !== undefined ? { spec: s.spec } : {}),
          ...(s.price !== undefined ? { price: s.price } : {}),
          ...(s.costPrice !== undefined ? { costPrice: s.costPrice } : {}),
          ...(s.status !== undefined ? { status: s.status } : {}),
          ...(s.purchaseLimit !== undefined ? limitColumns(s.purchaseLimit) : {}),
        };
        if (Object.keys(patch).length) {
          await SkuModel.update({ ...patch, updatedAt: fn('now') }, { where: { id: sku.id }, transaction });
        }
      }
    } catch (e) {
      throw codeViolation(e, wanted);
    }
    if (added.length) {
      await inventory.initStock(
        transaction,
        added.map((a) => ({ skuId: a.id, onHand: a.onHand })),
        {
          operator,
          reason: 'initial stock of a new SKU',
          refType: 'MANUAL',
          refId: productId,
        },
      );
    }
    if (changes.length) {
      const data: PriceChangedV1 = { changes, source: 'admin' };
      await outbox.add(transaction, { type: EVENTS.catalog.priceChanged, aggregateId: productId, data, version: 1 });
    }
  }

  return async function updateProduct(input: UpdateProductInput, operator: string): Promise<AdminProduct> {
    const result = await db.transaction(async (transaction) => {
      const product = await ProductModel.findByPk(input.id, { transaction, lock: transaction.LOCK.UPDATE });
      if (!product) throw new DomainError('PRODUCT_NOT_FOUND', `Product ${input.id} not found`);
      await assertReferences(db, { categoryId: input.categoryId, brandId: input.brandId }, transaction);
      const patch = {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.categoryId !== undefined ? { categoryId: input.categoryId } : {}),
        ...(input.brandId !== undefined ? { brandId: input.brandId } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.images !== undefined ? { images: input.images } : {}),
        ...(input.attributes !== undefined ? { attributes: input.attributes } : {}),
      };
      if (input.skus) await updateSkus(product.id, input.skus, operator, transaction);
      // updated_at (the database's clock) moves whenever anything of the product or its SKUs was sent.
      await ProductModel.update({ ...patch, updatedAt: fn('now') }, { where: { id: product.id }, transaction });
      return loadAdminProduct(db, product.id, transaction);
    });
    // Every SKU's view carries the product's name and image.
    await cache.invalidateProducts(
      [result.id],
      result.skus.map((s) => s.id),
    );
    return result;
  };
}
