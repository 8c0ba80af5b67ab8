import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

export type UserRole = 'customer' | 'admin';

/** identity.users — emails are stored trimmed and lowercased (see README). */
@Table({ tableName: 'users', schema: 'identity', underscored: true, timestamps: false })
export class UserModel extends Model<InferAttributes<UserModel>, InferCreationAttributes<UserModel>> {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare email: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare passwordHash: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  // Columns without allowNull:false have database defaults ('customer', now()): sequelize must not
  // insist on a value. Timestamps come from the database clock, never a process clock.
  @Column({ type: DataType.TEXT })
  declare role: CreationOptional<UserRole>;

  /** Must equal a user token's `ver` claim: bumped by signing out everywhere and by disabling. */
  @Column({ type: DataType.INTEGER })
  declare tokenVersion: CreationOptional<number>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare disabledAt: CreationOptional<Date | null>;

  @Column({ type: DataType.DATE })
  declare createdAt: CreationOptional<Date>;

  @Column({ type: DataType.DATE })
  declare updatedAt: CreationOptional<Date>;
}
