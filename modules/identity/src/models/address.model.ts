import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** identity.addresses — at most one `isDefault` per user (partial unique index). */
@Table({ tableName: 'addresses', schema: 'identity', underscored: true, timestamps: false })
export class AddressModel extends Model<InferAttributes<AddressModel>, InferCreationAttributes<AddressModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare userId: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare receiver: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare phone: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare province: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare city: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare district: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare detail: string;

  // Database defaults (false, now()) fill these when omitted.
  @Column({ type: DataType.BOOLEAN })
  declare isDefault: CreationOptional<boolean>;

  @Column({ type: DataType.DATE })
  declare createdAt: CreationOptional<Date>;

  @Column({ type: DataType.DATE })
  declare updatedAt: CreationOptional<Date>;
}
