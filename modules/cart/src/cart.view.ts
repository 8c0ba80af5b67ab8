import type { CartItemView, CartView, CartWarning, PublicStock, StockStatus } from '@zjmall/contracts';
import type { SkuView } from '@zjmall/catalog';
import type { CartSnapshot } from './types';

export interface ViewInputs {
  snapshot: CartSnapshot;
  skus: Map<string, SkuView>;
  stock: Map<string, PublicStock>;
  currency: string;
  /** The cart's lines are held (signed-in customer, holds on, not lapsed): their quantities count as theirs. */
  held: boolean;
}

/**
 * The cart as clients see it, computed at read time on current prices (integers, minor units).
 * A line is available when its SKU is for sale and the stock it could hold covers its quantity;
 * unavailable lines never count in the selected totals. Without a coupon: discount 0 (an applied
 * coupon is judged on the selected amount afterwards: cart.coupon.ts). The warnings come from the
 * lines as built here (no other look-up): the price against the agreed one, availability, low stock,
 * a purchase limit.
 */
export function buildCartView(v: ViewInputs): CartView {
  const items: CartItemView[] = v.snapshot.lines.map((l) => {
    const sku = v.skus.get(l.skuId);
    const stock = v.stock.get(l.skuId);
    const free = stock?.available ?? 0;
    const availableStock = free + (v.held ? l.quantity : 0);
    const forSale = sku?.availableForSale ?? false;
    const unitPrice = sku?.price ?? l.addedPrice;
    const stockStatus: StockStatus =
      availableStock <= 0 || !stock ? 'out_of_stock' : stock.status === 'out_of_stock' ? 'low_stock' : stock.status;
    return {
      id: l.id,
      skuId: l.skuId,
      productId: sku?.productId ?? null,
      productName: sku?.productName ?? '',
      image: sku?.image ?? null,
      spec: sku?.spec ?? {},
      unitPrice,
      addedPrice: l.addedPrice,
      priceChanged: unitPrice !== l.addedPrice,
      quantity: l.quantity,
      subtotal: unitPrice * l.quantity,
      selected: l.selected,
      available: forSale && availableStock >= l.quantity,
      stockStatus,
      availableStock,
      addedAt: l.addedAt,
    };
  });
  const warnings: CartWarning[] = [];
  for (const i of items) {
    const ids = { itemId: i.id, skuId: i.skuId };
    if (i.unitPrice > i.addedPrice)
      warnings.push({ kind: 'price_up', ...ids, seenPrice: i.addedPrice, currentPrice: i.unitPrice });
    else if (i.unitPrice < i.addedPrice)
      warnings.push({ kind: 'price_down', ...ids, seenPrice: i.addedPrice, currentPrice: i.unitPrice });
    if (!i.available) {
      const forSale = v.skus.get(i.skuId)?.availableForSale ?? false;
      warnings.push({ kind: 'unavailable', ...ids, reason: forSale ? 'stock' : 'not_for_sale' });
    } else if (i.stockStatus === 'low_stock') warnings.push({ kind: 'low_stock', ...ids, available: i.availableStock });
    // The limit as the SKU view has it, window and all (no clock here: the view is memoized).
    const limit = v.skus.get(i.skuId)?.purchaseLimit;
    if (limit) warnings.push({ kind: 'limit', ...ids, ...limit });
  }
  let totalQuantity = 0;
  let totalAmount = 0;
  let selectedCount = 0;
  let selectedAmount = 0;
  for (const i of items) {
    totalQuantity += i.quantity;
    totalAmount += i.subtotal;
    if (i.selected && i.available) {
      selectedCount += i.quantity;
      selectedAmount += i.subtotal;
    }
  }
  return {
    id: v.snapshot.cartId,
    currency: v.currency,
    items,
    totalItems: items.length,
    totalQuantity,
    totalAmount,
    selectedCount,
    selectedAmount,
    discountAmount: 0,
    payableAmount: selectedAmount,
    coupon: null,
    warnings,
  };
}
