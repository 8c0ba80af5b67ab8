import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';
import type { PaymentChannel, PaymentStatus } from '@zjmall/contracts';

/** payment.payments — one attempt to pay an order through a channel; at most one pending per order. */
@Table({ tableName: 'payments', schema: 'payment', underscored: true, timestamps: false })
export class PaymentModel extends Model<InferAttributes<PaymentModel>, InferCreationAttributes<PaymentModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;
  @Column({ type: DataType.UUID, allowNull: false })
  declare orderId: string;
  @Column({ type: DataType.UUID, allowNull: false })
  declare userId: string;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare channel: PaymentChannel;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare status: PaymentStatus;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare amount: number;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare refundedAmount: CreationOptional<number>;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare currency: string;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare transactionId: string | null;
  @Column({ type: DataType.DATE, allowNull: false })
  declare createdAt: CreationOptional<Date>;
  @Column({ type: DataType.DATE, allowNull: false })
  declare updatedAt: CreationOptional<Date>;
  @Column({ type: DataType.DATE, allowNull: true })
  declare paidAt: Date | null;
  @Column({ type: DataType.DATE, allowNull: true })
  declare closedAt: Date | null;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare returnUrl: string | null;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare payUrl: string | null;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare qrCode: string | null;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare device: CreationOptional<'desktop' | 'mobile'>;
}
