import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Model, Table, Column } from 'sequelize-typescript';
import { createDb } from '../db/sequelize';
import { createTestDatabase } from './database';
import { modelSchemaDrift } from './model-schema';

@Table({ tableName: 'widget', schema: 'drift', underscored: true, timestamps: false })
class WidgetModel extends Model {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;
  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;
  @Column({ type: DataType.BIGINT, allowNull: true })
  declare priceCents: number | null;
  @Column({ type: DataType.DATE, allowNull: false })
  declare createdAt: Date;
  /** NOT NULL with a default in the table, nullable here: the database fills it on create. */
  @Column({ type: DataType.DATE })
  declare updatedAt: Date;
}

@Table({ tableName: 'gadget', schema: 'drift', underscored: true, timestamps: false })
class GadgetModel extends Model {
  @Column({ type: DataType.UUID, primaryKey: true, allowNull: false })
  declare id: string;
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare name: number;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare size: string | null;
  @Column({ type: DataType.TEXT, allowNull: true })
  declare colour: string | null;
}

@Table({ tableName: 'missing', schema: 'drift', underscored: true, timestamps: false })
class MissingModel extends Model {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;
}

describe('modelSchemaDrift', async () => {
  const db = createDb({ url: await createTestDatabase('drift'), poolMax: 2 });
  beforeAll(async () => {
    await db.query('CREATE SCHEMA drift');
    await db.query(`CREATE TABLE drift.widget (id uuid PRIMARY KEY, name text NOT NULL, price_cents bigint,
                    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
    await db.query(`CREATE TABLE drift.gadget (id uuid PRIMARY KEY, name text NOT NULL, size text NOT NULL,
                    weight int)`);
    db.addModels([WidgetModel, GadgetModel, MissingModel]);
  });
  afterAll(() => db.close());

  it('finds nothing where model and table agree', async () => {
    expect(await modelSchemaDrift(db, [WidgetModel])).toEqual([]);
  });

  it('names each disagreement: type, nullability, a column on one side only, a missing table', async () => {
    expect((await modelSchemaDrift(db, [GadgetModel, MissingModel])).sort()).toEqual(
      [
        'GadgetModel (drift.gadget): column name is text, the model says integer',
        'GadgetModel (drift.gadget): column size is NOT NULL, the model says otherwise',
        'GadgetModel (drift.gadget): column colour (colour) is not in the table',
        'GadgetModel (drift.gadget): column weight is not in the model',
        'MissingModel (drift.missing): no such table',
      ].sort(),
    );
  });
});
