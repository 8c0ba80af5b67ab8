import { QueryTypes, type DataType } from 'sequelize';
import type { ModelCtor } from 'sequelize-typescript';
import type { Db } from '../db/sequelize';

interface DbColumn {
  column: string;
  type: string;
  not_null: boolean;
  has_default: boolean;
  primary_key: boolean;
}

/** A column type as PostgreSQL's format_type() writes it (a data type, its constructor, or SQL text). */
function sqlType(type: DataType): string {
  if (typeof type === 'string') return type.toLowerCase();
  return (typeof type === 'function' ? type() : type).toSql().toLowerCase();
}

/**
 * Where sequelize models and the migrated database disagree (the models are the schema in code):
 * a table or column one side lacks, a column type, nullability or primary key that differs. Empty
 * when they agree. The models must have been added to `db` (`db.addModels`).
 *
 * One difference is allowed: a NOT NULL column with a database default (`now()`, `'customer'`) may
 * be nullable in its model, so that sequelize lets a create leave it to the database (with
 * `allowNull: false` sequelize refuses a create that does not set it).
 */
export async function modelSchemaDrift(db: Db, models: ModelCtor[]): Promise<string[]> {
  const drift: string[] = [];
  for (const model of models) {
    const schema = model.options.schema ?? 'public';
    const name = model.tableName;
    const where = `${model.name} (${schema}.${name})`;
    const columns = await db.query<DbColumn>(
      `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, a.atthasdef AS has_default,
              EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary
                       AND a.attnum = ANY(i.indkey)) AS primary_key
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
        ORDER BY a.attnum`,
      { bind: [schema, name], type: QueryTypes.SELECT },
    );
    if (columns.length === 0) {
      drift.push(`${where}: no such table`);
      continue;
    }
    const inDb = new Map(columns.map((c) => [c.column, c]));
    const inModel = new Set<string>();
    for (const [attribute, def] of Object.entries(model.getAttributes())) {
      const field = def.field ?? attribute;
      inModel.add(field);
      const col = inDb.get(field);
      if (!col) {
        drift.push(`${where}: column ${field} (${attribute}) is not in the table`);
        continue;
      }
      const type = sqlType(def.type);
      if (type !== col.type) drift.push(`${where}: column ${field} is ${col.type}, the model says ${type}`);
      const notNull = def.allowNull === false || def.primaryKey === true;
      if (notNull !== col.not_null && !(col.not_null && col.has_default))
        drift.push(`${where}: column ${field} is ${col.not_null ? 'NOT NULL' : 'nullable'}, the model says otherwise`);
      if ((def.primaryKey === true) !== col.primary_key)
        drift.push(
          `${where}: column ${field} ${col.primary_key ? 'is' : 'is not'} in the primary key, the model says otherwise`,
        );
    }
    for (const c of columns) if (!inModel.has(c.column)) drift.push(`${where}: column ${c.column} is not in the model`);
  }
  return drift;
}
