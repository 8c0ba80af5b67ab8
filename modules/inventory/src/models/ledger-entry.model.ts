import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';
import type { LedgerRefType, LedgerType } from '@zjmall/contracts';

/** inventory.ledger — append-only; every stock change writes rows here in its own transaction. */
@Table({ tableName: 'ledger', schema: 'inventory', underscored: true, timestamps: false })
export class LedgerEntryModel extends Model<
  InferAttributes<LedgerEntryModel>,
  InferCreationAttributes<LedgerEntryModel>
> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare skuId: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare type: LedgerType;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare quantity: number;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare onHandBefore: number;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare onHandAfter: number;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare reservedBefore: number;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare reservedAfter: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare operator: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare reason: string | null;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare refType: LedgerRefType;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare refId: string | null;

  @Column({ type: DataType.DATE, allowNull: false })
  declare createdAt: CreationOptional<Date>;
}
