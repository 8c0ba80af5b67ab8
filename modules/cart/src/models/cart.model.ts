import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

export type CartStatus = 'active' | 'abandoned' | 'merged';

/** cart.carts — one active cart per owner (partial unique index); abandoned/merged ones are history. */
@Table({ tableName: 'carts', schema: 'cart', underscored: true, timestamps: false })
export class CartModel extends Model<InferAttributes<CartModel>, InferCreationAttributes<CartModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare ownerType: 'user' | 'guest';

  @Column({ type: DataType.UUID, allowNull: false })
  declare ownerId: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare status: CreationOptional<CartStatus>;

  @Column({ type: DataType.UUID, allowNull: true })
  declare mergedInto: CreationOptional<string | null>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare holdsUntil: CreationOptional<Date | null>;

  /** The applied coupon's code (upper case), null without one. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare couponCode: CreationOptional<string | null>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare createdAt: CreationOptional<Date>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare updatedAt: CreationOptional<Date>;
}
