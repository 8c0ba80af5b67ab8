import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';
import type { OrderStatus } from '@zjmall/contracts';

/** "order".order_log — one row per transition or refund (from, to, refund status, at, actor, reason); kept forever. */
@Table({ tableName: 'order_log', schema: 'order', underscored: true, timestamps: false })
export class OrderLogModel extends Model<InferAttributes<OrderLogModel>, InferCreationAttributes<OrderLogModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;
  @Column({ type: DataType.UUID, allowNull: false })
  declare orderId: string;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare fromStatus: OrderStatus | null;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare toStatus: OrderStatus;
  /** A refund's row: the refund status it left (from = to); null for a status move. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare refundStatus: 'partial' | 'full' | null;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare actor: string;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare reason: string | null;
  @Column({ type: DataType.DATE, allowNull: false })
  declare at: CreationOptional<Date>;
}
