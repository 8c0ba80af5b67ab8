import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';
import type { OrderAddress, OrderRefundStatus, OrderStatus } from '@zjmall/contracts';

/** "order".orders — one row per order; status moves only through the state machine (state-machine.ts); refunds set refund_status beside it. */
@Table({ tableName: 'orders', schema: 'order', underscored: true, timestamps: false })
export class OrderModel extends Model<InferAttributes<OrderModel>, InferCreationAttributes<OrderModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare orderNo: string;
  @Column({ type: DataType.UUID, allowNull: false })
  declare userId: string;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare status: OrderStatus;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare currency: string;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare itemsAmount: number;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare discountAmount: number;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare shippingAmount: number;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare payableAmount: number;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare paidAmount: CreationOptional<number>;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare refundedAmount: CreationOptional<number>;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare refundStatus: CreationOptional<OrderRefundStatus>;
  @Column({ type: DataType.JSONB, allowNull: false })
  declare address: OrderAddress;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare couponCode: string | null;
  @Column({ type: DataType.UUID, allowNull: true })
  declare cartId: string | null;
  @Column({ type: DataType.UUID, allowNull: true })
  declare paymentId: string | null;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare carrier: string | null;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare trackingNo: string | null;
  @Column({ type: DataType.DATE, allowNull: false })
  declare createdAt: CreationOptional<Date>;
  @Column({ type: DataType.DATE, allowNull: false })
  declare updatedAt: CreationOptional<Date>;
  @Column({ type: DataType.DATE, allowNull: false })
  declare expiresAt: Date;
  @Column({ type: DataType.DATE, allowNull: true })
  declare paidAt: Date | null;
  @Column({ type: DataType.DATE, allowNull: true })
  declare cancelledAt: Date | null;
  @Column({ type: DataType.DATE, allowNull: true })
  declare shippedAt: Date | null;
  @Column({ type: DataType.DATE, allowNull: true })
  declare completedAt: Date | null;
}
