import { QueryTypes } from 'sequelize';
import type { Migration } from '@zjmall/platform';

export const m0001Catalog: Migration = {
  name: '0001-catalog',
  async up({ sql, db, transaction }) {
    await sql(`CREATE SCHEMA catalog`);
    // Trigram search (`q` finds any part of a name, Chinese included). The extension may already be
    // installed in another schema, so the operator class is qualified with wherever it lives.
    await sql(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    const [ext] = await db.query<{ schema: string }>(
      `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
      { type: QueryTypes.SELECT, transaction },
    );
    const trgmOps = `"${ext.schema.replace(/"/g, '""')}".gin_trgm_ops`;

    // A tree: `path` holds the ancestors' ids and then the category's own, so descendants are
    // `path @> ARRAY[id]` (GIN-indexed). A move rewrites the paths of the whole subtree (categories.service.ts).
    await sql(`CREATE TABLE catalog.categories (
      id         uuid PRIMARY KEY,
      parent_id  uuid REFERENCES catalog.categories (id),
      name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      sort       integer NOT NULL DEFAULT 0,
      path       uuid[] NOT NULL,
      depth      integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (depth >= 0 AND depth = cardinality(path) - 1 AND path[cardinality(path)] = id)
    )`);
    await sql(
      `CREATE UNIQUE INDEX categories_sibling_name_key ON catalog.categories (parent_id, name) NULLS NOT DISTINCT`,
    );
    await sql(`CREATE INDEX categories_path_idx ON catalog.categories USING gin (path)`);

    await sql(`CREATE TABLE catalog.brands (
      id         uuid PRIMARY KEY,
      name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      logo       text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await sql(`CREATE UNIQUE INDEX brands_name_key ON catalog.brands (lower(name))`);

    // spec and attributes are json, not jsonb: jsonb sorts an object's keys, and a shop wants
    // "颜色, 尺码" shown in the order the merchant entered them.
    await sql(`CREATE TABLE catalog.products (
      id           uuid PRIMARY KEY,
      name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      description  text,
      images       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(images) = 'array'),
      attributes   json NOT NULL DEFAULT '{}' CHECK (json_typeof(attributes) = 'object'),
      category_id  uuid NOT NULL REFERENCES catalog.categories (id),
      brand_id     uuid REFERENCES catalog.brands (id),
      status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'unpublished')),
      published_at timestamptz,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now()
    )`);
    // The public lists only published products, newest (UUIDv7) first.
    await sql(`CREATE INDEX products_published_idx ON catalog.products (id DESC) WHERE status = 'published'`);
    await sql(
      `CREATE INDEX products_category_idx ON catalog.products (category_id, id DESC) WHERE status = 'published'`,
    );
    await sql(`CREATE INDEX products_brand_idx ON catalog.products (brand_id, id DESC) WHERE status = 'published'`);
    await sql(`CREATE INDEX products_name_trgm_idx ON catalog.products USING gin (name ${trgmOps})`);

    await sql(`CREATE TABLE catalog.skus (
      id         uuid PRIMARY KEY,
      product_id uuid NOT NULL REFERENCES catalog.products (id),
      code       text NOT NULL CONSTRAINT skus_code_key UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
      spec       json NOT NULL DEFAULT '{}' CHECK (json_typeof(spec) = 'object'),
      price      bigint NOT NULL CHECK (price >= 0),
      cost_price bigint CHECK (cost_price >= 0),
      status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await sql(`CREATE INDEX skus_product_idx ON catalog.skus (product_id)`);
  },
  async down({ sql }) {
    await sql(`DROP TABLE catalog.skus`);
    await sql(`DROP TABLE catalog.products`);
    await sql(`DROP TABLE catalog.brands`);
    await sql(`DROP TABLE catalog.categories`);
    await sql(`DROP SCHEMA catalog`);
    // pg_trgm stays: other schemas may use it, and it holds no data.
  },
};
