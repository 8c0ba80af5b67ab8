import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';
import type { ProductStatus } from '@zjmall/contracts';

/** catalog.products — the SPU. New products are drafts; only published ones are public. */
@Table({ tableName: 'products', schema: 'catalog', underscored: true, timestamps: false })
export class ProductModel extends Model<InferAttributes<ProductModel>, InferCreationAttributes<ProductModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare description: string | null;

  @Column({ type: DataType.JSONB, allowNull: false })
  declare images: string[];

  @Column({ type: DataType.JSON, allowNull: false })
  declare attributes: Record<string, string>;

  @Column({ type: DataType.UUID, allowNull: false })
  declare categoryId: string;

  @Column({ type: DataType.UUID, allowNull: true })
  declare brandId: string | null;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare status: CreationOptional<ProductStatus>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare publishedAt: CreationOptional<Date | null>;

  // NOT NULL DEFAULT now() in the table: inserts leave it to the database's clock.
  @Column({ type: DataType.DATE, allowNull: true })
  declare createdAt: CreationOptional<Date>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare updatedAt: CreationOptional<Date>;
}
