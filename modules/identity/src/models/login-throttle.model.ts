import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** identity.login_throttle — login attempts per email in the current window (written by raw SQL upserts). */
@Table({ tableName: 'login_throttle', schema: 'identity', underscored: true, timestamps: false })
export class LoginThrottleModel extends Model<
  InferAttributes<LoginThrottleModel>,
  InferCreationAttributes<LoginThrottleModel>
> {
  @Column({ type: DataType.TEXT, primaryKey: true, allowNull: false })
  declare email: string;

  @Column({ type: DataType.INTEGER, allowNull: false })
  declare attempts: number;

  @Column({ type: DataType.DATE })
  declare windowStartedAt: CreationOptional<Date>;
}
