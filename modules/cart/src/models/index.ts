import { CartItemModel } from './cart-item.model';
import { CartModel } from './cart.model';

export { CartModel, CartItemModel };
export type { CartStatus } from './cart.model';

export const cartModels = [CartModel, CartItemModel];
