import { QueryTypes } from 'sequelize';
import type { Db } from '@zjmall/platform';

export interface CartHolder {
  userId: string;
  skuId: string;
}

/**
 * Signed-in customers whose active cart holds any of `skuIds` (for notifications: a price drop or
 * an unavailable line). Guests are left out: nobody can be told.
 */
export function createHoldersQuery(db: Db) {
  return async function holdersOf(skuIds: readonly string[]): Promise<CartHolder[]> {
    if (skuIds.length === 0) return [];
    const rows = await db.query<{ user_id: string; sku_id: string }>(
      `SELECT c.owner_id AS user_id, i.sku_id
         FROM cart.cart_items i JOIN cart.carts c ON c.id = i.cart_id
        WHERE i.sku_id = ANY($1::uuid[]) AND c.status = 'active' AND c.owner_type = 'user'
        ORDER BY c.owner_id, i.sku_id`,
      { bind: [skuIds], type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({ userId: r.user_id, skuId: r.sku_id }));
  };
}
