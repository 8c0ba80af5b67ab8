import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** payment.inbox — verified provider callbacks, keyed by (channel, provider message key). */
@Table({ tableName: 'inbox', schema: 'payment', underscored: true, timestamps: false })
export class InboxEntryModel extends Model<InferAttributes<InboxEntryModel>, InferCreationAttributes<InboxEntryModel>> {
  @Column({ type: DataType.TEXT, primaryKey: true, allowNull: false })
  declare channel: string;
  /** The entry's id for admins (`payment.admin.inbox`, `payment.admin.replayInbox`). */
  @Column({ type: DataType.UUID, allowNull: false })
  declare id: CreationOptional<string>;
  @Column({ type: DataType.TEXT, primaryKey: true, allowNull: false })
  declare transactionId: string;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare paymentId: string;
  @Column({ type: DataType.JSONB, allowNull: false })
  declare payload: unknown;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare status: CreationOptional<'received' | 'processed' | 'rejected'>;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare outcome: string | null;
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare deliveries: CreationOptional<number>;
  @Column({ type: DataType.DATE, allowNull: false })
  declare receivedAt: CreationOptional<Date>;
  @Column({ type: DataType.DATE, allowNull: true })
  declare processedAt: Date | null;
}
