// Test-only helpers (not exported from index.ts): a migrated database, the service, and a tRPC caller.
import { randomBytes } from 'node:crypto';
import { createCallerFactory, createContextFactory, platformMigrations, router, type Db } from '@zjmall/platform';
import { createTestEnv, callFailure, type CaughtError } from '@zjmall/platform/testing';
import {
  createIdentityRouters,
  createIdentityService,
  identityMigrations,
  identityModels,
  type IdentityService,
  type IdentityServiceDeps,
} from '../index';

export const TEST_CONFIG = { JWT_TTL_SECONDS: 3600, PASSWORD_HASH_COST: 10, NODE_ENV: 'test' as const };

export type Caller = ReturnType<Harness['caller']>;

/** A private world (database, Redis prefix, NATS stream) with the identity service on its platform. */
export async function createHarness(label = 'identity') {
  const env = await createTestEnv({ label, modules: [platformMigrations, identityMigrations] });
  const { platform, log } = env;
  const db: Db = platform.db;
  const url = env.config.DATABASE_URL;
  db.addModels(identityModels);
  const jwtSecret = randomBytes(32).toString('hex');
  const svc = createIdentityService({ db, config: TEST_CONFIG, jwtSecret, log, cache: platform.cache });
  const appRouter = router(createIdentityRouters(svc));
  const makeCaller = createCallerFactory(appRouter);
  const makeContext = createContextFactory({ authenticate: svc.authenticate, log });
  const context = (token?: string) =>
    makeContext({ requestId: 'test', ip: '127.0.0.1', authorization: token ? `Bearer ${token}` : undefined });
  return {
    env,
    url,
    db,
    log,
    jwtSecret,
    svc,
    appRouter,
    context,
    caller: (token?: string) => makeCaller(context(token)),
    /** Another service over the same database, e.g. a second BFF process or a different config. */
    service: (
      config: Partial<typeof TEST_CONFIG> = {},
      passwordHashing?: IdentityServiceDeps['passwordHashing'],
    ): IdentityService =>
      createIdentityService({
        db,
        config: { ...TEST_CONFIG, ...config },
        jwtSecret,
        log,
        cache: platform.cache,
        passwordHashing,
      }),
    close: () => env.close(),
  };
}
export type Harness = Awaited<ReturnType<typeof createHarness>>;

export type { CaughtError };

/** Awaits a procedure call that must fail and returns the error as a client would see it (platform/testing's callFailure). */
export const failure = (_h: unknown, call: Promise<unknown>): Promise<CaughtError> => callFailure(call);

let n = 0;
/** A unique, valid registration input. */
export const newUser = (over: Partial<{ email: string; password: string; name: string }> = {}) => ({
  email: `user${Date.now().toString(36)}${n++}@example.com`,
  password: 'correct horse battery',
  name: 'Test User',
  ...over,
});
