import { OrderItemModel } from './order-item.model';
import { OrderLogModel } from './order-log.model';
import { OrderModel } from './order.model';

export { OrderItemModel, OrderLogModel, OrderModel };

/** For `db.addModels(orderModels)`. */
export const orderModels = [OrderModel, OrderItemModel, OrderLogModel];
