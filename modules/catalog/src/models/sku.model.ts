import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';
import type { SkuStatus } from '@zjmall/contracts';

/** catalog.skus — a sellable variant of a product; `code` is unique, prices are minor units. */
@Table({ tableName: 'skus', schema: 'catalog', underscored: true, timestamps: false })
export class SkuModel extends Model<InferAttributes<SkuModel>, InferCreationAttributes<SkuModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare productId: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare code: string;

  @Column({ type: DataType.JSON, allowNull: false })
  declare spec: Record<string, string>;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare price: number;

  @Column({ type: DataType.BIGINT, allowNull: true })
  declare costPrice: number | null;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare status: CreationOptional<SkuStatus>;

  // NOT NULL DEFAULT now() in the table: inserts leave it to the database's clock.
  @Column({ type: DataType.DATE, allowNull: true })
  declare createdAt: CreationOptional<Date>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare updatedAt: CreationOptional<Date>;
}
