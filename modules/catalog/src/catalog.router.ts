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
  Sale,
  SetSaleInput,
  SetPurchaseLimitInput,
  SetSkuPriceInput,
  SkusInput,
  UpdateBrandInput,
  UpdateCategoryInput,
  UpdateProductInput,
} from '@zjmall/contracts';
import { adminProcedure, publicProcedure, router } from '@zjmall/platform';
import type { CatalogService } from './catalog.service';
import type { SaleService } from './sale/sale.service';

/** Routers wire, the service decides: `catalog.*` for modules/api's appRouter. */
export function createCatalogRouter(svc: CatalogService, sales: Pick<SaleService, 'setSale'>) {
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
      createCategory: adminProcedure
        .input(CreateCategoryInput)
        .output(Category)
        .mutation(({ input }) => svc.createCategory(input)),
      updateCategory: adminProcedure
        .input(UpdateCategoryInput)
        .output(Category)
        .mutation(({ input }) => svc.updateCategory(input)),
      deleteCategory: adminProcedure
        .input(CategoryIdInput)
        .output(DeletedOutput)
        .mutation(({ input }) => svc.deleteCategory(input.id)),
      createBrand: adminProcedure
        .input(CreateBrandInput)
        .output(Brand)
        .mutation(({ input }) => svc.createBrand(input)),
      updateBrand: adminProcedure
        .input(UpdateBrandInput)
        .output(Brand)
        .mutation(({ input }) => svc.updateBrand(input)),
      deleteBrand: adminProcedure
        .input(BrandIdInput)
        .output(DeletedOutput)
        .mutation(({ input }) => svc.deleteBrand(input.id)),
      products: adminProcedure
        .input(AdminProductsInput)
        .output(AdminProductPage)
        .query(({ input }) => svc.adminProducts(input)),
      createProduct: adminProcedure
        .input(CreateProductInput)
        .output(AdminProduct)
        .mutation(({ input, ctx }) => svc.createProduct(input, ctx.user.id)),
      updateProduct: adminProcedure
        .input(UpdateProductInput)
        .output(AdminProduct)
        .mutation(({ input, ctx }) => svc.updateProduct(input, ctx.user.id)),
      product: adminProcedure
        .input(ProductIdInput)
        .output(AdminProduct)
        .query(({ input }) => svc.adminProduct(input.id)),
      setSkuPrice: adminProcedure
        .input(SetSkuPriceInput)
        .output(AdminSku)
        .mutation(({ input }) => svc.setSkuPrice(input)),
      /** Units per customer (null: none) and the window it is in force in. */
      setPurchaseLimit: adminProcedure
        .input(SetPurchaseLimitInput)
        .output(AdminSku)
        .mutation(({ input }) => svc.setPurchaseLimit(input)),
      /** A sale window of a SKU; `queued`: buyers need an admitted ticket (sale.join) in it. */
      setSale: adminProcedure
        .input(SetSaleInput)
        .output(Sale)
        .mutation(({ input }) => sales.setSale(input)),
      publish: adminProcedure
        .input(ProductIdInput)
        .output(AdminProduct)
        .mutation(({ input }) => svc.publish(input.id)),
      unpublish: adminProcedure
        .input(ProductIdInput)
        .output(AdminProduct)
        .mutation(({ input }) => svc.unpublish(input.id)),
    }),
  });
}

export type CatalogRouter = ReturnType<typeof createCatalogRouter>;
