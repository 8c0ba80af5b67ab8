import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** inventory.stock — one row per SKU; available = onHand − reserved (CHECK 0 ≤ reserved ≤ onHand). */
@Table({ tableName: 'stock', schema: 'inventory', underscored: true, timestamps: false })
export class StockModel extends Model<InferAttributes<StockModel>, InferCreationAttributes<StockModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare skuId: string;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare onHand: number;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare reserved: CreationOptional<number>;

  @Column({ type: DataType.INTEGER, allowNull: false })
  declare lowStockThreshold: CreationOptional<number>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare createdAt: CreationOptional<Date>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare updatedAt: CreationOptional<Date>;
}
