import { afterAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb } from './sequelize';
import { migrateDown, migrateUp, migrationStatus, type ModuleMigrations } from './migrator';
import { createTestDatabase } from '../testing/database';
import { platformMigrations } from '../migrations';

const demo: ModuleMigrations = {
  module: 'demo',
  migrations: [
    {
      name: '0001-things',
      up: async ({ sql }) => {
        await sql('CREATE SCHEMA demo');
        await sql('CREATE TABLE demo.things (id uuid PRIMARY KEY, price bigint NOT NULL)');
      },
      down: async ({ sql }) => {
        await sql('DROP SCHEMA demo CASCADE');
      },
    },
    {
      name: '0002-name',
      up: async ({ sql }) => {
        await sql('ALTER TABLE demo.things ADD COLUMN name text');
      },
      down: async ({ sql }) => {
        await sql('ALTER TABLE demo.things DROP COLUMN name');
      },
    },
  ],
};
const modules = [platformMigrations, demo];
const platformNames = platformMigrations.migrations.map((m) => `platform/${m.name}`);
const all = [...platformNames, 'demo/0001-things', 'demo/0002-name'];

describe('migrator', async () => {
  const url = await createTestDatabase('migrator');
  const db = createDb({ url, poolMax: 4 });
  afterAll(() => db.close());

  it('runs every module in order, goes down and up again', async () => {
    expect(platformNames[0]).toBe('platform/0001-platform-core');
    expect(await migrateUp(db, url, modules)).toEqual(all);
    await db.query(`INSERT INTO demo.things VALUES ('0190b6a0-0000-7000-8000-000000000000', 9007199254740991, 'max')`);
    const [row] = await db.query<{ price: number }>('SELECT price FROM demo.things', { type: QueryTypes.SELECT });
    expect(row.price).toBe(Number.MAX_SAFE_INTEGER); // BIGINT money comes back as a JS number

    expect(await migrateDown(db, url, modules, { steps: 1 })).toEqual(['demo/0002-name']);
    expect((await migrationStatus(db, modules)).pending).toEqual(['demo/0002-name']);
    expect(await migrateDown(db, url, modules, { to: 0 })).toEqual([
      'demo/0001-things',
      ...[...platformNames].reverse(),
    ]);
    const left = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema IN ('demo') OR (table_schema = 'platform' AND table_name <> 'schema_migrations')`,
      { type: QueryTypes.SELECT },
    );
    expect(left[0].n).toBe(0);
    expect(await migrateUp(db, url, modules)).toHaveLength(all.length);
  });

  it('lets replicas that start together migrate once (advisory lock)', async () => {
    const url2 = await createTestDatabase('migrator_race');
    const dbs = [0, 1, 2].map(() => createDb({ url: url2, poolMax: 2 }));
    try {
      const results = await Promise.all(dbs.map((d) => migrateUp(d, url2, modules)));
      expect(results.map((r) => r.length).sort((a, b) => a - b)).toEqual([0, 0, all.length]);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });
});
