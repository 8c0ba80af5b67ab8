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

  // The promotion shown now, as published by the promotion sweeper or the job that started it
  // (all four NULL: none). Written only by promotions.store.ts; see the catalog README, "Promotions".
  @Column({ type: DataType.BIGINT, allowNull: true })
  declare promoPrice: CreationOptional<number | null>;

  @Column({ type: DataType.UUID, allowNull: true })
  declare promoJobId: CreationOptional<string | null>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare promoStartsAt: CreationOptional<Date | null>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare promoEndsAt: CreationOptional<Date | null>;

  // The purchase limit (units per customer; NULL: none) and its window (migration 0004).
  @Column({ type: DataType.INTEGER, allowNull: true })
  declare purchaseLimit: CreationOptional<number | null>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare limitStartsAt: CreationOptional<Date | null>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare limitEndsAt: CreationOptional<Date | null>;

  // NOT NULL DEFAULT now() in the table: inserts leave it to the database's clock.
  @Column({ type: DataType.DATE, allowNull: true })
  declare createdAt: CreationOptional<Date>;

  @Column({ type: DataType.DATE, allowNull: true })
  declare updatedAt: CreationOptional<Date>;

  // When the current price last changed (migration 0005; NOT NULL DEFAULT now()): the honour window's start.
  @Column({ type: DataType.DATE, allowNull: true })
  declare priceChangedAt: CreationOptional<Date>;
}
