import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** "order".order_items — a line as bought: unit price, quantity, subtotal, allocated discount, paid. */
@Table({ tableName: 'order_items', schema: 'order', underscored: true, timestamps: false })
export class OrderItemModel extends Model<InferAttributes<OrderItemModel>, InferCreationAttributes<OrderItemModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;
  @Column({ type: DataType.UUID, allowNull: false })
  declare orderId: string;
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare lineNo: number;
  @Column({ type: DataType.UUID, allowNull: false })
  declare skuId: string;
  @Column({ type: DataType.UUID, allowNull: false })
  declare productId: string;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare productName: string;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare image: string | null;
  @Column({ type: DataType.JSONB, allowNull: false })
  declare spec: Record<string, string>;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare unitPrice: number;
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare quantity: number;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare subtotal: number;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare discount: number;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare paid: number;
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare refundedQuantity: CreationOptional<number>;
}
