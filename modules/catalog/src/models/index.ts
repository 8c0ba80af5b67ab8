import { BrandModel } from './brand.model';
import { CategoryModel } from './category.model';
import { ProductModel } from './product.model';
import { SkuModel } from './sku.model';

export { BrandModel, CategoryModel, ProductModel, SkuModel };

/** For `db.addModels(catalogModels)`. */
export const catalogModels = [CategoryModel, BrandModel, ProductModel, SkuModel];
