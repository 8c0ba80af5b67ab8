import { parseArgs } from 'node:util';
import {
  LOAD_FLAGS,
  loadSettings,
  benchEnvironment,
  bffNodeArgs,
  freePort,
  measureAll,
  printTable,
  startServer,
  type ChildServer,
  type Endpoint,
  type LoadSettings,
} from './harness';

/**
 * The BFF's floor: how much of bare Fastify's throughput a trivial tRPC query keeps through the
 * whole BFF (docs/architecture.md "Performance"; target ≥ 50%), in one run:
 *
 *   npx tsx infra/bench/floor.ts [--duration 10] [--warmup 3] [--rounds 3] [--connections 64]
 *                                [--targets bare,bff,fast,stock,caller]
 *
 *   bare    Fastify alone, GET /bare → {"ok":true}                   (infra/bench/floor-server.ts)
 *   bff     apps/bff/src/main.ts, GET /trpc/health.ping, single and batched as httpBatchLink sends it;
 *           production configuration: PostgreSQL (a fresh database, dropped afterwards), Redis,
 *           NATS, jobs off (apps/worker runs them in production), rate limit off
 *   fast    registerTrpc alone with the same ping, fast path          (floor-server.ts)
 *   stock   the same with the stock tRPC adapter only                 (floor-server.ts)
 *   caller  createCaller from a plain Fastify route                   (floor-server.ts)
 *
 * Every server is its own child process; the load generator (autocannon, here) never shares one.
 */

const { values: flags } = parseArgs({
  options: {
    ...LOAD_FLAGS,
    targets: { type: 'string', default: 'bare,bff,fast,stock,caller' },
  },
});
const load: LoadSettings = loadSettings(flags);
const targets = new Set(flags.targets.split(','));

const PING = '/trpc/health.ping';
// What httpBatchLink sends for one query without input.
const PING_BATCHED = '/trpc/health.ping?batch=1&input=%7B%7D';
const FLOOR_SERVER = 'infra/bench/floor-server.ts';

type TrpcPath = 'fast path' | 'stock adapter';

/** One real request first: the right answer, and (by its framing) which tRPC path produced it. */
async function preflight(url: string, expect: (body: string) => boolean): Promise<TrpcPath> {
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== 200 || !expect(text)) throw new Error(`preflight ${url}: ${res.status} ${text.slice(0, 300)}`);
  // The stock adapter streams its Response (chunked); the fast path sends a Content-Length.
  return res.headers.get('content-length') !== null ? 'fast path' : 'stock adapter';
}

const isPong = (text: string) => text.includes('"pong":true');

async function pingEndpoints(s: ChildServer, name: string, expected: TrpcPath): Promise<Endpoint[]> {
  const out: Endpoint[] = [];
  for (const path of [PING, PING_BATCHED]) {
    const servedBy = await preflight(s.url + path, isPong);
    if (servedBy !== expected)
      throw new Error(`${name}: expected the ${expected} to answer ${path}, got the ${servedBy}`);
    const shown = path === PING ? PING : `${PING}?batch=1`;
    out.push({ label: `${name} GET ${shown} [${servedBy}]`, server: s, req: { url: s.url + path } });
  }
  return out;
}

async function floorServer(mode: string): Promise<ChildServer> {
  return startServer({
    name: `floor-server ${mode}`,
    script: FLOOR_SERVER,
    args: [mode],
    env: {},
    port: await freePort(),
    timeoutMs: 30_000,
  });
}

/** The floor server's own counters confirm which path served the whole load, not just the preflight. */
async function confirmPath(s: ChildServer, expected: TrpcPath): Promise<void> {
  const stats = (await (await fetch(`${s.url}/stats`)).json()) as { fastPath: number; stock: number };
  const wrong = expected === 'fast path' ? stats.stock : stats.fastPath;
  if (wrong !== 0) throw new Error(`${s.name}: ${wrong} requests took the other path (${JSON.stringify(stats)})`);
}

const servers: ChildServer[] = [];
const endpoints: Endpoint[] = [];
const afterwards: (() => Promise<void>)[] = [];
let dropBenchEnvironment: (() => Promise<void>) | null = null;
let failure: unknown = null;
let rows: Awaited<ReturnType<typeof measureAll>> = [];

try {
  // Servers start one after another and idle while another one is measured.
  if (targets.has('bare')) {
    const s = await floorServer('bare');
    servers.push(s);
    await preflight(`${s.url}/bare`, (t) => t === '{"ok":true}');
    endpoints.push({
      label: 'bare Fastify GET /bare',
      server: s,
      req: { url: `${s.url}/bare`, expectBody: '{"ok":true}' },
    });
  }
  if (targets.has('bff')) {
    const world = await benchEnvironment();
    dropBenchEnvironment = world.drop;
    const s = await startServer({
      name: 'BFF',
      script: 'apps/bff/src/main.ts',
      env: world.env,
      port: await freePort(),
      timeoutMs: 60_000,
      nodeArgs: bffNodeArgs(),
    });
    servers.push(s);
    endpoints.push(...(await pingEndpoints(s, 'BFF', 'fast path')));
  }
  for (const [target, mode, path] of [
    ['fast', 'trpc-fast', 'fast path'],
    ['stock', 'trpc-stock', 'stock adapter'],
  ] as const) {
    if (!targets.has(target)) continue;
    const s = await floorServer(mode);
    servers.push(s);
    endpoints.push(...(await pingEndpoints(s, `registerTrpc ${target}`, path)));
    afterwards.push(() => confirmPath(s, path));
  }
  if (targets.has('caller')) {
    const s = await floorServer('caller');
    servers.push(s);
    await preflight(`${s.url}/caller`, isPong);
    endpoints.push({ label: 'createCaller in a plain route GET /caller', server: s, req: { url: `${s.url}/caller` } });
  }

  rows = await measureAll(endpoints, load);
  for (const check of afterwards) await check();
} catch (e) {
  failure = e;
} finally {
  for (const s of servers) await s.stop();
  await dropBenchEnvironment?.().catch((e: unknown) =>
    console.error('could not clean the bench database/stream/keys up:', e),
  );
}

if (rows.length) {
  const bare = rows.find((r) => r.label.startsWith('bare '));
  printTable('zjmall floor benchmark (docs/architecture.md "Performance")', load, rows, bare);
  const bffPing = rows.find((r) => r.label.startsWith(`BFF GET ${PING} `));
  if (bare && bffPing) {
    const ratio = bffPing.reqPerSec / bare.reqPerSec;
    console.log(
      `\nBFF health.ping keeps ${(100 * ratio).toFixed(1)}% of bare Fastify's req/s: target ≥ 50% ${ratio >= 0.5 ? 'met' : 'NOT MET'}`,
    );
    if (bare.cpuMicros !== null && bffPing.cpuMicros !== null) {
      // What the ratio would be with the server CPU-bound and the machine otherwise idle.
      const byCpu = bare.cpuMicros / bffPing.cpuMicros;
      console.log(
        `by server CPU per request: ${bare.cpuMicros.toFixed(1)} µs vs ${bffPing.cpuMicros.toFixed(1)} µs → ${(100 * byCpu).toFixed(1)}%`,
      );
    }
  }
}
if (failure !== null) {
  console.error('\nFLOOR BENCHMARK FAILED:', failure instanceof Error ? failure.message : failure);
  process.exit(1);
}
