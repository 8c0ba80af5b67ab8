import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** payment.refunds — money returned on a payment (and the items that went back on hand). */
@Table({ tableName: 'refunds', schema: 'payment', underscored: true, timestamps: false })
export class RefundModel extends Model<InferAttributes<RefundModel>, InferCreationAttributes<RefundModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;
  @Column({ type: DataType.UUID, allowNull: false })
  declare paymentId: string;
  @Column({ type: DataType.UUID, allowNull: false })
  declare orderId: string;
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare amount: number;
  @Column({ type: DataType.JSONB, allowNull: false })
  declare items: { skuId: string; quantity: number }[];
  @Column({ type: DataType.TEXT, allowNull: false })
  declare reason: string;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare status: 'pending' | 'succeeded' | 'failed';
  @Column({ type: DataType.BOOLEAN, allowNull: false })
  declare automatic: CreationOptional<boolean>;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare operator: string;
  @Column({ type: DataType.DATE, allowNull: false })
  declare createdAt: CreationOptional<Date>;
  /** What the provider said when it failed or is still pending. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare detail: string | null;
  @Column({ type: DataType.DATE, allowNull: true })
  declare settledAt: Date | null;
}
