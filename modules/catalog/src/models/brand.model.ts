import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** catalog.brands — names are unique case-insensitively. */
@Table({ tableName: 'brands', schema: 'catalog', underscored: true, timestamps: false })
export class BrandModel extends Model<InferAttributes<BrandModel>, InferCreationAttributes<BrandModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare logo: string | null;

  // NOT NULL DEFAULT now() in the table: inserts leave it to the database's clock.
  @Column({ type: DataType.DATE, allowNull: true })
  declare createdAt: CreationOptional<Date>;
}
