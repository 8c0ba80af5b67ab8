import {
  AdminProduct,
  AdminProductPage,
  AdminProductsInput,
  AdminSku,
  Brand,
  BrandIdInput,
  BrandList,
  CatalogSkuList,
  Category,
  CategoryIdInput,
  CategoryTree,
  CreateBrandInput,
  CreateCategoryInput,
  CreateProductInput,
  DeletedOutput,
  ProductDetail,
  ProductIdInput,
  ProductPage,
  ProductsInput,
  SetSkuPriceInput,
  SkusInput,
  UpdateBrandInput,
  UpdateCategoryInput,
  UpdateProductInput,
} from '@zjmall/contracts';
import { adminProcedure, publicProcedure, router } from '@zjmall/platform';
import type { CatalogService } from './catalog.service';
import { fieldErrors } from './field-error';

/** Routers wire, the service decides: `catalog.*` for modules/api's appRouter. */
export function createCatalogRouter(svc: CatalogService) {
  // Admin writes can refuse a field the schema accepted (a SKU code in use): see field-error.ts.
  const admin = adminProcedure.use(fieldErrors);

  return router({
    categoryTree: publicProcedure.output(CategoryTree).query(() => svc.categoryTree()),
    brands: publicProcedure.output(BrandList).query(() => svc.brands()),
    products: publicProcedure
      .input(ProductsInput)
      .output(ProductPage)
      .query(({ input }) => svc.products(input)),
    product: publicProcedure
      .input(ProductIdInput)
      .output(ProductDetail)
      .query(({ input }) => svc.product(input.id)),
    skus: publicProcedure
      .input(SkusInput)
      .output(CatalogSkuList)
      .query(({ input }) => svc.skus(input.ids)),
    admin: router({
      createCategory: admin
        .input(CreateCategoryInput)
        .output(Category)
        .mutation(({ input }) => svc.createCategory(input)),
      updateCategory: admin
        .input(UpdateCategoryInput)
        .output(Category)
        .mutation(({ input }) => svc.updateCategory(input)),
      deleteCategory: admin
        .input(CategoryIdInput)
        .output(DeletedOutput)
        .mutation(({ input }) => svc.deleteCategory(input.id)),
      createBrand: admin
        .input(CreateBrandInput)
        .output(Brand)
        .mutation(({ input }) => svc.createBrand(input)),
      updateBrand: admin
        .input(UpdateBrandInput)
        .output(Brand)
        .mutation(({ input }) => svc.updateBrand(input)),
      deleteBrand: admin
        .input(BrandIdInput)
        .output(DeletedOutput)
        .mutation(({ input }) => svc.deleteBrand(input.id)),
      products: admin
        .input(AdminProductsInput)
        .output(AdminProductPage)
        .query(({ input }) => svc.adminProducts(input)),
      createProduct: admin
        .input(CreateProductInput)
        .output(AdminProduct)
        .mutation(({ input, ctx }) => svc.createProduct(input, ctx.user.id)),
      updateProduct: admin
        .input(UpdateProductInput)
        .output(AdminProduct)
        .mutation(({ input, ctx }) => svc.updateProduct(input, ctx.user.id)),
      product: admin
        .input(ProductIdInput)
        .output(AdminProduct)
        .query(({ input }) => svc.adminProduct(input.id)),
      setSkuPrice: admin
        .input(SetSkuPriceInput)
        .output(AdminSku)
        .mutation(({ input }) => svc.setSkuPrice(input)),
      publish: admin
        .input(ProductIdInput)
        .output(AdminProduct)
        .mutation(({ input }) => svc.publish(input.id)),
      unpublish: admin
        .input(ProductIdInput)
        .output(AdminProduct)
        .mutation(({ input }) => svc.unpublish(input.id)),
    }),
  });
}

export type CatalogRouter = ReturnType<typeof createCatalogRouter>;
