import pg from 'pg';
import { randomBytes } from 'node:crypto';

export function testEnvVar(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests through vitest (npm test), whose global setup sets it`);
  return v;
}

export const testRunId = () => testEnvVar('ZJ_TEST_RUN');
export const rand = () => randomBytes(3).toString('hex');

/** A fresh, empty database of this test run (dropped by the global teardown). Returns its URL. */
export async function createTestDatabase(label = 'db'): Promise<string> {
  const adminUrl = testEnvVar('ZJ_TEST_PG_ADMIN_URL');
  const name = `zj_${testRunId()}_${label
    .replace(/[^a-z0-9_]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${rand()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
