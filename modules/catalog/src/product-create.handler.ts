import type { AdminProduct, CreateProductInput } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { assertReferences, loadAdminProduct } from './admin-product.view';
import type { CatalogDeps } from './catalog.deps';
import { ProductModel, SkuModel } from './models';
import { limitColumns } from './purchase-limit';
import { assertCodesFree, codeViolation, type WantedCode } from './sku-codes';

/**
 * catalog.admin.createProduct: a draft product with its SKUs, and every SKU's stock row
 * (initialStock, default 0) created by inventory in the same transaction.
 */
export function createProductHandler({ db, inventory }: CatalogDeps) {
  return async function createProduct(input: CreateProductInput, operator: string): Promise<AdminProduct> {
    const productId = newId();
    const skus = input.skus.map((s) => ({ ...s, id: newId() }));
    const wanted: WantedCode[] = skus.map((s, i) => ({ code: s.code, path: ['skus', i, 'code'] }));
    try {
      return await db.transaction(async (transaction) => {
        await assertReferences(db, { categoryId: input.categoryId, brandId: input.brandId }, transaction);
        await assertCodesFree(db, wanted, transaction);
        await ProductModel.create(
          {
            id: productId,
            name: input.name,
            description: input.description ?? null,
            images: input.images ?? [],
            attributes: input.attributes ?? {},
            categoryId: input.categoryId,
            brandId: input.brandId ?? null,
            status: 'draft',
          },
          { transaction },
        );
        await SkuModel.bulkCreate(
          skus.map((s) => ({
            id: s.id,
            productId,
            code: s.code,
            spec: s.spec,
            price: s.price,
            costPrice: s.costPrice ?? null,
            status: 'active',
            ...limitColumns(s.purchaseLimit ?? null),
          })),
          { transaction },
        );
        await inventory.initStock(
          transaction,
          skus.map((s) => ({ skuId: s.id, onHand: s.initialStock ?? 0 })),
          { operator, reason: 'initial stock of a new product', refType: 'MANUAL', refId: productId },
        );
        return loadAdminProduct(db, productId, transaction);
      });
    } catch (e) {
      throw codeViolation(e, wanted);
    }
  };
}
