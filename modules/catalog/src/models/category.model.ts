import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** catalog.categories — a tree; `path` is the ancestors' ids then the category's own. */
@Table({ tableName: 'categories', schema: 'catalog', underscored: true, timestamps: false })
export class CategoryModel extends Model<InferAttributes<CategoryModel>, InferCreationAttributes<CategoryModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: true })
  declare parentId: string | null;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  @Column({ type: DataType.INTEGER, allowNull: false })
  declare sort: number;

  @Column({ type: DataType.ARRAY(DataType.UUID), allowNull: false })
  declare path: string[];

  @Column({ type: DataType.INTEGER, allowNull: false })
  declare depth: number;

  // NOT NULL DEFAULT now() in the table: inserts leave it to the database's clock.
  @Column({ type: DataType.DATE, allowNull: true })
  declare createdAt: CreationOptional<Date>;
}
