import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, modelSchemaDrift, type TestEnv } from '@zjmall/platform/testing';
import { allMigrations, allModels } from './modules';

// The models are the schema in code: every model's table and columns (type, nullability, primary
// key) match what the migrations build, column for column.
describe('sequelize models against the migrated database', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv({ label: 'models', modules: allMigrations, redis: false, nats: false });
    env.platform.db.addModels(allModels);
  });
  afterAll(() => env?.close());

  it('agree, table for table and column for column', async () => {
    expect(allModels.length).toBeGreaterThan(0);
    expect(await modelSchemaDrift(env.platform.db, allModels)).toEqual([]);
  });
});
