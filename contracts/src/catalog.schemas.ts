import { z } from 'zod';
import { Id, Limit, SafeString, safeChars } from './common.schemas';

// ---- building blocks -------------------------------------------------------------------------

/** Money in minor units (fen/cents): an integer, never a float. */
export const SkuPrice = z.number().int().min(0).max(1_000_000_000_000);
export const CatalogName = SafeString.trim().min(1).max(200);
/** An image: an http(s) URL, or a path on the shop itself (one leading `/`: the demo images, `/media/demo/…`). */
export const CatalogImageUrl = SafeString.max(2048).refine(
  (v) =>
    v.startsWith('/')
      ? /^\/(?!\/)[^\s\\\u0000-\u001f]*$/.test(v)
      : /^https?:\/\/[^\s\\\u0000-\u001f]+$/i.test(v) && URL.canParse(v),
  'must be an http(s) URL or a path starting with a single /',
);
export const ProductImages = z.array(CatalogImageUrl).max(20);

/** A SKU's merchant code: unique across the catalog. */
export const SkuCode = SafeString.trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, 'letters, digits, ".", "_", "-" or "/"');

/** A SKU's spec: an object of strings, e.g. `{"color":"red","size":"M"}`. */
export const SkuSpec = z
  .record(SafeString.min(1).max(50), SafeString.trim().min(1).max(100))
  .refine((o) => Object.keys(o).length <= 20, 'at most 20 entries');
export type SkuSpec = z.infer<typeof SkuSpec>;

/** Product attributes shown on the detail page, e.g. `{"材质":"棉"}`. */
export const ProductAttributes = z
  .record(SafeString.min(1).max(50), SafeString.trim().max(500))
  .refine((o) => Object.keys(o).length <= 50, 'at most 50 entries');
export type ProductAttributes = z.infer<typeof ProductAttributes>;

export const ProductStatus = z.enum(['draft', 'published', 'unpublished']);
export type ProductStatus = z.infer<typeof ProductStatus>;
export const SkuStatus = z.enum(['active', 'inactive']);
export type SkuStatus = z.infer<typeof SkuStatus>;
// Inventory owns stock; the catalog only repeats its public status (not exported: inventory's schemas may name it).
const StockLevel = z.enum(['in_stock', 'low_stock', 'out_of_stock']);

/** A catalog page cursor: opaque to clients (22 base64url characters). */
export const ProductCursor = SafeString.regex(/^[A-Za-z0-9_-]{22}$/, 'not a cursor from catalog.products');

// ---- categories and brands -------------------------------------------------------------------

export const CreateCategoryInput = z.object({
  name: CatalogName,
  parentId: Id.optional(),
  sort: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});
export type CreateCategoryInput = z.infer<typeof CreateCategoryInput>;

export const Category = z.object({
  id: z.string(),
  parentId: z.string().nullable(),
  name: z.string(),
  sort: z.number().int(),
  depth: z.number().int(),
});
export type Category = z.infer<typeof Category>;

export interface CategoryNode extends Category {
  children: CategoryNode[];
}
export const CategoryNode: z.ZodType<CategoryNode> = Category.extend({
  get children() {
    return z.array(CategoryNode);
  },
});
export const CategoryTree = z.array(CategoryNode);
export type CategoryTree = CategoryNode[];

export const CreateBrandInput = z.object({ name: CatalogName, logo: CatalogImageUrl.optional() });
export type CreateBrandInput = z.infer<typeof CreateBrandInput>;

export const Brand = z.object({ id: z.string(), name: z.string(), logo: z.string().nullable() });
export type Brand = z.infer<typeof Brand>;
export const BrandList = z.array(Brand);

/** `catalog.admin.updateCategory`: rename, move (`parentId`; null: to the top level) or reorder (`sort`). */
export const UpdateCategoryInput = z.object({
  id: Id,
  name: CatalogName.optional(),
  parentId: Id.nullable().optional(),
  sort: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});
export type UpdateCategoryInput = z.infer<typeof UpdateCategoryInput>;

export const CategoryIdInput = z.object({ id: Id });
export type CategoryIdInput = z.infer<typeof CategoryIdInput>;

/** `catalog.admin.updateBrand`: `logo: null` removes the logo. */
export const UpdateBrandInput = z.object({
  id: Id,
  name: CatalogName.optional(),
  logo: CatalogImageUrl.nullable().optional(),
});
export type UpdateBrandInput = z.infer<typeof UpdateBrandInput>;

export const BrandIdInput = z.object({ id: Id });
export type BrandIdInput = z.infer<typeof BrandIdInput>;

/** What `catalog.admin.deleteCategory` and `deleteBrand` answer. */
export const DeletedOutput = z.object({ id: z.string(), deleted: z.literal(true) });
export type DeletedOutput = z.infer<typeof DeletedOutput>;

// ---- public product reads --------------------------------------------------------------------

export const ProductsInput = z
  .object({
    categoryId: Id.optional(),
    brandId: Id.optional(),
    q: SafeString.trim().max(100).optional(),
    cursor: ProductCursor.optional(),
    limit: Limit.optional(),
  })
  .optional();
export type ProductsInput = z.infer<typeof ProductsInput>;

export const ProductListItem = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string().nullable(),
  categoryId: z.string(),
  brandId: z.string().nullable(),
  /** Lowest and highest current price (promotions included) of the product's active SKUs (null: none active). */
  priceMin: z.number().int().nullable(),
  priceMax: z.number().int().nullable(),
  publishedAt: z.string().nullable(),
});
export type ProductListItem = z.infer<typeof ProductListItem>;

export const ProductPage = z.object({ items: z.array(ProductListItem), nextCursor: z.string().nullable() });
export type ProductPage = z.infer<typeof ProductPage>;

// ---- admin product list ----------------------------------------------------------------------

/** `catalog.admin.products`: every status (drafts included), newest first; `categoryId` includes its descendants. */
export const AdminProductsInput = z
  .object({
    q: SafeString.trim().max(100).optional(),
    status: ProductStatus.optional(),
    categoryId: Id.optional(),
    cursor: ProductCursor.optional(),
    limit: Limit.optional(),
  })
  .optional();
export type AdminProductsInput = z.infer<typeof AdminProductsInput>;

export const AdminProductListItem = z.object({
  id: z.string(),
  name: z.string(),
  /** The first image (null: none). */
  image: z.string().nullable(),
  status: ProductStatus,
  categoryId: z.string(),
  brandId: z.string().nullable(),
  /** Lowest and highest current price (promotions included) of the product's active SKUs (null: none active). */
  priceMin: z.number().int().nullable(),
  priceMax: z.number().int().nullable(),
  /** Every SKU, inactive ones included. */
  skuCount: z.number().int(),
  updatedAt: z.string(),
  publishedAt: z.string().nullable(),
});
export type AdminProductListItem = z.infer<typeof AdminProductListItem>;

export const AdminProductPage = z.object({ items: z.array(AdminProductListItem), nextCursor: z.string().nullable() });
export type AdminProductPage = z.infer<typeof AdminProductPage>;

export const ProductIdInput = z.object({ id: Id });
export type ProductIdInput = z.infer<typeof ProductIdInput>;

/**
 * A promotional price shown now: a windowed pricing job's price, current from `startsAt` until
 * `endsAt` (ISO-8601 UTC). While it shows, a SKU's `price` is this price and `basePrice` the
 * regular one; at `endsAt` the price returns to the base on its own.
 */
export const SkuPromotion = z.object({ price: z.number().int(), startsAt: z.string(), endsAt: z.string() });
export type SkuPromotion = z.infer<typeof SkuPromotion>;

/**
 * A SKU's purchase limit: at most `limit` units per customer — the customer's cart plus their orders
 * not cancelled (nor fully refunded) placed since `startsAt` (ever, without one). It is in force from
 * `startsAt` until `endsAt` (each null: unbounded); outside its window the SKU has no limit.
 */
export const PurchaseLimit = z.object({
  limit: z.number().int(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
});
export type PurchaseLimit = z.infer<typeof PurchaseLimit>;

const LimitInstant = z.iso.datetime({ offset: true }).check(safeChars);
/** Units per customer: 1 … 1,000,000. */
export const PurchaseLimitUnits = z.number().int().min(1).max(1_000_000);
const endsAfterStart = (w: { startsAt?: string | null; endsAt?: string | null }) =>
  !w.startsAt || !w.endsAt || Date.parse(w.endsAt) > Date.parse(w.startsAt);
const endsAfterStartMessage = { message: 'endsAt must be after startsAt', path: ['endsAt'] };

/** A SKU input's `purchaseLimit` (createProduct, updateProduct): null or absent = none (updateProduct: absent = unchanged). */
export const PurchaseLimitInput = z
  .object({
    limit: PurchaseLimitUnits,
    startsAt: LimitInstant.nullable().optional(),
    endsAt: LimitInstant.nullable().optional(),
  })
  .refine(endsAfterStart, endsAfterStartMessage);
export type PurchaseLimitInput = z.infer<typeof PurchaseLimitInput>;

/** `catalog.admin.setPurchaseLimit`: `limit: null` removes the SKU's limit (and its window). */
export const SetPurchaseLimitInput = z
  .object({
    skuId: Id,
    limit: PurchaseLimitUnits.nullable(),
    startsAt: LimitInstant.nullable().optional(),
    endsAt: LimitInstant.nullable().optional(),
  })
  .refine(endsAfterStart, endsAfterStartMessage);
export type SetPurchaseLimitInput = z.infer<typeof SetPurchaseLimitInput>;

/**
 * `details` of PURCHASE_LIMIT: `alreadyBought` = units in the customer's orders counted against the
 * limit, `inCart` = units of the SKU in their cart before the call, `requested` = what the call asked
 * for (an add: the units added; a quantity change: the line's new quantity; checkout: the units ordered).
 */
export const PurchaseLimitDetails = z.object({
  skuId: z.string(),
  limit: z.number().int(),
  alreadyBought: z.number().int(),
  inCart: z.number().int(),
  requested: z.number().int(),
});
export type PurchaseLimitDetails = z.infer<typeof PurchaseLimitDetails>;

export const PublicSku = z.object({
  id: z.string(),
  code: z.string(),
  spec: z.record(z.string(), z.string()),
  /** What the customer pays now: the promotional price inside a promotion's window, else the base. */
  price: z.number().int(),
  /** The regular price (equal to `price` when no promotion shows). */
  basePrice: z.number().int(),
  promotion: SkuPromotion.nullable(),
  /** Units per customer (null: no limit), with its window. */
  purchaseLimit: PurchaseLimit.nullable(),
  available: z.number().int(),
  stockStatus: StockLevel,
});
export type PublicSku = z.infer<typeof PublicSku>;

/** What the public and the admin views of a product share. */
const productFields = {
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  images: z.array(z.string()),
  attributes: z.record(z.string(), z.string()),
  categoryId: z.string(),
};

export const ProductDetail = z.object({
  ...productFields,
  /** Root first, the product's own category last (breadcrumbs). */
  categoryPath: z.array(z.object({ id: z.string(), name: z.string() })),
  brandId: z.string().nullable(),
  brand: Brand.nullable(),
  publishedAt: z.string().nullable(),
  priceMin: z.number().int().nullable(),
  priceMax: z.number().int().nullable(),
  /** The values each spec key takes across the active SKUs, in first-seen order (for a selector). */
  specOptions: z.array(z.object({ name: z.string(), values: z.array(z.string()) })),
  /** Active SKUs only. */
  skus: z.array(PublicSku),
});
export type ProductDetail = z.infer<typeof ProductDetail>;

export const SkusInput = z.object({ ids: z.array(Id).min(1).max(200) });
export type SkusInput = z.infer<typeof SkusInput>;

/** catalog.skus: a SKU of a published product with its price and stock status. */
export const CatalogSku = z.object({
  skuId: z.string(),
  productId: z.string(),
  productName: z.string(),
  image: z.string().nullable(),
  code: z.string(),
  spec: z.record(z.string(), z.string()),
  /** The current price (promotional inside a promotion's window), as on PublicSku. */
  price: z.number().int(),
  basePrice: z.number().int(),
  promotion: SkuPromotion.nullable(),
  /** Units per customer (null: no limit), with its window. */
  purchaseLimit: PurchaseLimit.nullable(),
  status: SkuStatus,
  /** Published product and active SKU: can be put in a cart. */
  availableForSale: z.boolean(),
  available: z.number().int(),
  stockStatus: StockLevel,
});
export type CatalogSku = z.infer<typeof CatalogSku>;
export const CatalogSkuList = z.array(CatalogSku);

// ---- admin -----------------------------------------------------------------------------------

export const NewSkuInput = z.object({
  code: SkuCode,
  spec: SkuSpec,
  price: SkuPrice,
  costPrice: SkuPrice.optional(),
  /** Stock created with the SKU, in the same transaction (default 0). */
  initialStock: z.number().int().min(0).max(100_000_000).optional(),
  purchaseLimit: PurchaseLimitInput.nullable().optional(),
});
export type NewSkuInput = z.infer<typeof NewSkuInput>;

const specKey = (spec: SkuSpec) =>
  JSON.stringify(
    Object.keys(spec)
      .sort()
      .map((k) => [k, spec[k]]),
  );

/** Codes and specs must differ between a product's SKUs; the offending entry is named. */
function distinctSkus(skus: { code?: string; spec?: SkuSpec }[], ctx: z.RefinementCtx) {
  const codes = new Map<string, number>();
  const specs = new Map<string, number>();
  skus.forEach((s, i) => {
    if (s.code !== undefined) {
      if (codes.has(s.code))
        ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `duplicate SKU code ${s.code}` });
      codes.set(s.code, i);
    }
    if (s.spec !== undefined) {
      const k = specKey(s.spec);
      if (specs.has(k))
        ctx.addIssue({ code: 'custom', path: [i, 'spec'], message: 'two SKUs of one product have the same spec' });
      specs.set(k, i);
    }
  });
}

export const CreateProductInput = z.object({
  name: CatalogName,
  categoryId: Id,
  brandId: Id.optional(),
  description: SafeString.max(20_000).optional(),
  images: ProductImages.optional(),
  attributes: ProductAttributes.optional(),
  skus: z.array(NewSkuInput).min(1).max(100).superRefine(distinctSkus),
});
export type CreateProductInput = z.infer<typeof CreateProductInput>;

/** An existing SKU (by id) to change, or a new one (no id). */
export const UpdateSkuInput = z.union([
  z.object({
    id: Id,
    code: SkuCode.optional(),
    spec: SkuSpec.optional(),
    price: SkuPrice.optional(),
    costPrice: SkuPrice.nullable().optional(),
    status: SkuStatus.optional(),
    /** null removes the limit; absent leaves it as it is. */
    purchaseLimit: PurchaseLimitInput.nullable().optional(),
  }),
  NewSkuInput,
]);
export type UpdateSkuInput = z.infer<typeof UpdateSkuInput>;

export const UpdateProductInput = z.object({
  id: Id,
  name: CatalogName.optional(),
  categoryId: Id.optional(),
  brandId: Id.nullable().optional(),
  description: SafeString.max(20_000).nullable().optional(),
  images: ProductImages.optional(),
  attributes: ProductAttributes.optional(),
  /** SKUs not listed stay as they are; deactivate one with `status: 'inactive'`. */
  skus: z.array(UpdateSkuInput).min(1).max(100).superRefine(distinctSkus).optional(),
});
export type UpdateProductInput = z.infer<typeof UpdateProductInput>;

export const SetSkuPriceInput = z.object({ skuId: Id, price: SkuPrice });
export type SetSkuPriceInput = z.infer<typeof SetSkuPriceInput>;

export const AdminSku = z.object({
  id: z.string(),
  productId: z.string(),
  code: z.string(),
  spec: z.record(z.string(), z.string()),
  /** The base price (what setSkuPrice sets); a promotion showing now is in `promotion`. */
  price: z.number().int(),
  costPrice: z.number().int().nullable(),
  status: SkuStatus,
  promotion: SkuPromotion.nullable(),
  purchaseLimit: PurchaseLimit.nullable(),
});
export type AdminSku = z.infer<typeof AdminSku>;

export const AdminProduct = z.object({
  ...productFields,
  brandId: z.string().nullable(),
  status: ProductStatus,
  publishedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  skus: z.array(AdminSku),
});
export type AdminProduct = z.infer<typeof AdminProduct>;

// ---- events (payload schema version 1) -------------------------------------------------------

export const ProductPublishedV1 = z.object({
  productId: z.string(),
  name: z.string(),
  categoryId: z.string(),
  brandId: z.string().nullable(),
  skuIds: z.array(z.string()),
  publishedAt: z.string(),
});
export type ProductPublishedV1 = z.infer<typeof ProductPublishedV1>;

export const ProductUnpublishedV1 = z.object({ productId: z.string(), skuIds: z.array(z.string()) });
export type ProductUnpublishedV1 = z.infer<typeof ProductUnpublishedV1>;

export const PriceChangedV1 = z.object({
  changes: z.array(z.object({ skuId: z.string(), oldPrice: z.number().int(), newPrice: z.number().int() })).min(1),
  source: z.enum(['admin', 'job']),
  jobId: z.string().optional(),
});
export type PriceChangedV1 = z.infer<typeof PriceChangedV1>;
