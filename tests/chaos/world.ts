import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import {
  startPrivateNatsServer,
  startPrivateRedisServer,
  type PrivateNatsServer,
  type PrivateRedisServer,
} from '@zjmall/platform/testing';
import { createShopClient, type ShopClient } from '@zjmall/client';
import { freePort, repoRoot } from '../support/bff';

/** The machine's PostgreSQL (each scenario gets a fresh database on it). */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface Proc {
  readonly name: string;
  url: string;
  /** SIGKILL (kill -9); resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again with the same environment (and port). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

export interface WorldOptions {
  bffs: number;
  worker: boolean;
  /** Independent Redis servers for REDLOCK_URLS (0: the locks use REDIS_URL). */
  redlock?: number;
  env?: Record<string, string>;
}

/** One scenario's private deployment: its own redis-server(s), nats-server -js, database and processes. */
export interface World {
  redis: PrivateRedisServer;
  redlock: PrivateRedisServer[];
  nats: PrivateNatsServer;
  dbUrl: string;
  bffs: Proc[];
  worker: Proc | null;
  admin: ShopClient;
  /** A client of BFF `i` with `token`, whose calls give up after 10 s (counted as timeouts). */
  client(i: number, token?: string): ShopClient;
  sql<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const ADMIN = { email: 'chaos.admin@example.com', password: 'chaos admin password' };

export async function createWorld(label: string, o: WorldOptions): Promise<World> {
  const dbName = `zjchaos_${label.replace(/\W/g, '').toLowerCase().slice(0, 30)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`);
  const redis = await startPrivateRedisServer();
  const redlock: PrivateRedisServer[] = [];
  for (let i = 0; i < (o.redlock ?? 0); i++) redlock.push(await startPrivateRedisServer());
  const nats = await startPrivateNatsServer();
  const pool = new pg.Pool({ connectionString: dbUrl, max: 3 });

  const env: Record<string, string> = {
    NODE_ENV: 'development',
    DATABASE_URL: dbUrl,
    REDIS_URL: redis.url,
    NATS_URL: nats.url,
    JWT_SECRET: randomBytes(32).toString('hex'),
    PAYMENT_CALLBACK_SECRET: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    PASSWORD_HASH_COST: '10',
    SANDBOX_PAYMENTS: 'true',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    LOG_REQUESTS: 'false',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ORDER_PAYMENT_TTL_SECONDS: '20',
    SWEEP_INTERVAL_SECONDS: '1',
    RUN_JOBS: o.worker ? 'false' : 'true',
    ...(redlock.length ? { REDLOCK_URLS: redlock.map((r) => r.url).join(',') } : {}),
    ...o.env,
  };

  const bffs: Proc[] = [];
  let worker: Proc | null = null;
  const teardown = async () => {
    for (const p of [...bffs, ...(worker ? [worker] : [])]) await p.stop().catch(() => {});
    await pool.end();
    await redis.dispose();
    for (const r of redlock) await r.dispose();
    await nats.dispose();
    const a = new pg.Client({ connectionString: PG_ADMIN_URL });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await a.end();
  };
  let token: string;
  try {
    for (let i = 0; i < o.bffs; i++) bffs.push(await startProc(`bff-${i + 1}`, 'bff', env));
    worker = o.worker ? await startProc('worker', 'worker', env) : null;
    ({ token } = await createShopClient(bffs[0].url).auth.login.mutate(ADMIN));
  } catch (e) {
    await teardown().catch(() => {});
    throw e;
  }

  const client = (i: number, tok?: string) =>
    createShopClient(bffs[i].url, {
      token: tok,
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(10_000) }),
    });
  return {
    redis,
    redlock,
    nats,
    dbUrl,
    bffs,
    worker,
    admin: client(0, token),
    client,
    async sql<T extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      return (await pool.query<T>(text, values)).rows;
    },
    close: teardown,
  };
}

/** `npm start`'s BFF or `npm run worker` in a child process; a BFF is ready once /health answers. */
async function startProc(name: string, kind: 'bff' | 'worker', env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let out = '';
  const args =
    kind === 'bff'
      ? [resolve(repoRoot, 'apps/bff/bin/start.mjs')]
      : // tsx as a loader of this very process (its CLI would run the worker in a grandchild that kill -9 misses).
        ['--import', 'tsx', resolve(repoRoot, 'apps/worker/src/main.ts')];
  const url = `http://127.0.0.1:${port}`;
  const start = async () => {
    out = '';
    const c = spawn(process.execPath, args, {
      cwd: repoRoot,
      // The worker logs at info: its "worker running" line says it is up.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...env,
        PORT: String(port),
        ...(kind === 'worker' ? { LOG_LEVEL: 'info' } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    c.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
    c.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`${name} exited with ${c.exitCode}:\n${out}`);
      if (
        kind === 'worker'
          ? /worker running/.test(out)
          : await fetch(`${url}/health`).then(
              (r) => r.ok,
              () => false,
            )
      )
        break;
      if (Date.now() > deadline) throw new Error(`${name} did not start within 120 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const exit = async (signal: NodeJS.Signals) => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((ok) => c.once('exit', () => ok()));
    c.kill(signal);
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(t);
  };
  await start();
  return {
    name,
    url,
    kill: () => exit('SIGKILL'),
    restart: start,
    stop: () => exit('SIGTERM'),
    output: () => out,
  };
}
