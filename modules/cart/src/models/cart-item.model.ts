import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** cart.cart_items — one line per (cart, SKU); addedPrice in minor units, as it was when added. */
@Table({ tableName: 'cart_items', schema: 'cart', underscored: true, timestamps: false })
export class CartItemModel extends Model<InferAttributes<CartItemModel>, InferCreationAttributes<CartItemModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare cartId: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare skuId: string;

  @Column({ type: DataType.INTEGER, allowNull: false })
  declare quantity: number;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare addedPrice: number;

  @Column({ type: DataType.BOOLEAN, allowNull: false })
  declare selected: CreationOptional<boolean>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare addedAt: CreationOptional<Date>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare updatedAt: CreationOptional<Date>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare unavailableSince: CreationOptional<Date | null>;
}
