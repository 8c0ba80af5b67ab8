import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { createDb } from '../db/sequelize';
import { migrateUp, type ModuleMigrations } from '../db/migrator';
import { createPlatform, type Platform } from '../runtime';
import { createTestDatabase, rand, testEnvVar, testRunId } from './database';

export interface TestEnvOptions {
  label?: string;
  /** Use the machine's Redis and NATS (default true): the production configuration. */
  redis?: boolean;
  nats?: boolean;
  /** Extra environment for loadConfig. */
  env?: Record<string, string>;
  modules?: ModuleMigrations[];
}

export interface TestEnv {
  config: Config & { DATABASE_URL: string };
  platform: Platform;
  log: Logger;
  /** The env vars that reproduce this config in a child process. */
  childEnv: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A private world for one test file: its own database (migrated with `modules`), Redis key prefix,
 * NATS subject prefix and stream. Cleans the stream up on close.
 */
export async function createTestEnv(opts: TestEnvOptions = {}): Promise<TestEnv> {
  const label = opts.label ?? 'env';
  const url = await createTestDatabase(label);
  const id = `${testRunId()}_${label.replace(/[^a-z0-9]/gi, '')}_${rand()}`;
  const childEnv: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: url,
    REDIS_KEY_PREFIX: `zjt:${id}:`,
    NATS_SUBJECT_PREFIX: `zjt_${id}`,
    NATS_STREAM: `ZJT_${id}`.toUpperCase(),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PASSWORD_HASH_COST: '10',
    JWT_SECRET: randomBytes(32).toString('hex'),
    PAYMENT_CALLBACK_SECRET: randomBytes(32).toString('hex'),
    RATE_LIMIT_PER_MINUTE: '0',
    ...(opts.redis !== false ? { REDIS_URL: testEnvVar('ZJ_TEST_REDIS_URL') } : {}),
    ...(opts.nats !== false ? { NATS_URL: testEnvVar('ZJ_TEST_NATS_URL') } : {}),
    ...opts.env,
  };
  const config = loadConfig(childEnv) as Config & { DATABASE_URL: string };
  const log = createLogger(config.LOG_LEVEL, `test:${label}`);
  if (opts.modules?.length) {
    const db = createDb({ url, poolMax: 2 });
    try {
      await migrateUp(db, url, opts.modules);
    } finally {
      await db.close();
    }
  }
  const platform = await createPlatform(config, log, `test-${label}`);
  return {
    config,
    platform,
    log,
    childEnv,
    async close() {
      await platform.close();
      if (config.NATS_URL) await deleteStream(config.NATS_URL, config.NATS_STREAM).catch(() => {});
      if (config.REDIS_URL) await deleteRedisPrefix(config.REDIS_URL, config.REDIS_KEY_PREFIX).catch(() => {});
    },
  };
}

export async function deleteStream(natsUrl: string, stream: string) {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => {});
  } finally {
    await nc.close();
  }
}

export async function deleteRedisPrefix(redisUrl: string, prefix: string) {
  const { Redis } = await import('ioredis');
  const r = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
