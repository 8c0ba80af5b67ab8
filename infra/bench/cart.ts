import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import pg from 'pg';
import type { Client } from 'autocannon';
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
  type Measure,
} from './harness';

/**
 * The cart's throughput against bare Fastify, in one run (issue 4):
 *
 *   npx tsx infra/bench/cart.ts [--duration 10] [--warmup 3] [--rounds 3] [--connections 64] [--lines 20]
 *
 *   bare          Fastify alone, GET /bare → {"ok":true}              (infra/bench/floor-server.ts)
 *   cart.get      GET /trpc/cart.get on a 20-line cart, a distinct signed-in customer (and cart) per connection
 *   cart.addItem  POST /trpc/cart.addItem {skuId, quantity: 1}, a distinct customer per connection, cycling
 *                 over that customer's own 20 SKUs (holds on: each add reserves stock in its transaction)
 *
 * at --connections (64), then cart.addItem again at 8 connections, by customers and (for comparison:
 * no stock holds, so no reservation in the add's transaction) by guests. The BFF is apps/bff/src/main.ts
 * in production configuration: PostgreSQL (a fresh database, dropped afterwards), Redis, NATS with a
 * private stream and prefix, NODE_ENV=production, RUN_JOBS=false (apps/worker runs the relay and
 * sweepers in production), RATE_LIMIT_PER_MINUTE=0. Customers are JWTs signed with the bench's
 * JWT_SECRET for users inserted straight into identity.users (every call checks its user's access;
 * registering 128 users at the production password cost would only slow the set-up). Any error,
 * timeout or non-2xx answer fails the run.
 */

const { values: flags } = parseArgs({
  options: {
    ...LOAD_FLAGS,
    lines: { type: 'string', default: '20' },
    // --only get|add: measure just that part (with bare), e.g. for a CPU profile of one path.
    only: { type: 'string' },
    // --processes N: the BFF as a BFF_PROCESSES=N cluster (CPU counted over all its processes).
    processes: { type: 'string', default: '1' },
  },
});
const load: LoadSettings = loadSettings(flags);
const LINES = Number(flags.lines);
const SLOW_CONNECTIONS = 8;

async function token(secret: string, sub: string, role: 'customer' | 'admin' | 'guest'): Promise<string> {
  return new SignJWT(role === 'guest' ? { typ: 'guest' } : { typ: 'user', role, ver: 0 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer('zjmall')
    .setAudience('zjmall')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 86_400)
    .sign(new TextEncoder().encode(secret));
}

/** One tRPC call over HTTP (as the shared client sends it unbatched); throws on an error answer. */
async function call<T>(
  base: string,
  auth: string,
  path: string,
  input?: unknown,
  method: 'GET' | 'POST' = 'POST',
): Promise<T> {
  const url =
    method === 'GET'
      ? `${base}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
      : `${base}/trpc/${path}`;
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${auth}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    body: method === 'POST' ? JSON.stringify(input ?? {}) : undefined,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { result: { data: T } }).result.data;
}

/** The bench's users, with a password hash no password matches (they never sign in). */
async function insertUsers(databaseUrl: string, adminId: string, customerIds: string[]): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const ids = [adminId, ...customerIds];
    await db.query(
      `INSERT INTO identity.users (id, email, password_hash, name, role)
       SELECT id, 'bench-' || id || '@bench.example', '!', 'Bench', CASE WHEN id = $2 THEN 'admin' ELSE 'customer' END FROM unnest($1::uuid[]) AS id`,
      [ids, adminId],
    );
  } finally {
    await db.end();
  }
}

/** Published products with `count` SKUs in all, plenty of stock each. */
async function createSkus(base: string, admin: string, count: number): Promise<string[]> {
  const cat = await call<{ id: string }>(base, admin, 'catalog.admin.createCategory', {
    name: `bench-${randomUUID()}`,
  });
  const ids: string[] = [];
  for (let made = 0; made < count; made += 100) {
    const n = Math.min(100, count - made);
    const p = await call<{ id: string; skus: { id: string }[] }>(base, admin, 'catalog.admin.createProduct', {
      name: `Bench product ${made / 100}`,
      categoryId: cat.id,
      images: ['https://img.example/bench.png'],
      skus: Array.from({ length: n }, (_, i) => ({
        code: `B-${made + i}-${randomUUID().slice(0, 8)}`,
        spec: { n: String(i) },
        price: 1000 + i,
        initialStock: 1_000_000,
      })),
    });
    await call(base, admin, 'catalog.admin.publish', { id: p.id });
    ids.push(...p.skus.map((s) => s.id));
  }
  return ids;
}

/** Hands each new connection the next customer (and, for adds, that customer's requests). */
function perConnection(setup: (client: Client, i: number) => void, users: number) {
  let n = 0;
  return (client: Client) => setup(client, n++ % users);
}

const servers: ChildServer[] = [];
let drop: (() => Promise<void>) | null = null;
let failure: unknown = null;
let rows: Measure[] = [];
let slow: Measure[] = [];

try {
  const bare = await startServer({
    name: 'floor-server bare',
    script: 'infra/bench/floor-server.ts',
    args: ['bare'],
    env: {},
    port: await freePort(),
    timeoutMs: 30_000,
  });
  servers.push(bare);
  const world = await benchEnvironment();
  drop = world.drop;
  const bff = await startServer({
    name: 'BFF',
    script: 'apps/bff/src/main.ts',
    env: { ...world.env, BFF_PROCESSES: flags.processes },
    port: await freePort(),
    timeoutMs: 90_000,
    // Production's node flags; BENCH_CPU_PROF=<dir> writes a CPU profile there when it stops.
    nodeArgs: bffNodeArgs(),
  });
  servers.push(bff);

  const secret = world.env.JWT_SECRET;
  const adminId = randomUUID();
  const admin = await token(secret, adminId, 'admin');
  const users = load.connections;
  const readerIds = Array.from({ length: users }, () => randomUUID());
  const writerIds = Array.from({ length: Math.max(users, SLOW_CONNECTIONS) }, () => randomUUID());
  const readers = await Promise.all(readerIds.map((id) => token(secret, id, 'customer')));
  const writers = await Promise.all(writerIds.map((id) => token(secret, id, 'customer')));
  const guests = await Promise.all(
    Array.from({ length: SLOW_CONNECTIONS }, () => token(secret, randomUUID(), 'guest')),
  );
  await insertUsers(world.env.DATABASE_URL, adminId, [...readerIds, ...writerIds]);
  const skus = await createSkus(bff.url, admin, LINES * (readers.length + writers.length));
  const readerSkus = (i: number) => skus.slice(i * LINES, (i + 1) * LINES);
  const writerSkus = (i: number) => skus.slice((readers.length + i) * LINES, (readers.length + i + 1) * LINES);
  console.log(`set-up: ${skus.length} SKUs; filling ${readers.length} carts of ${LINES} lines…`);
  await Promise.all(
    readers.map(async (t, i) => {
      for (const skuId of readerSkus(i)) await call(bff.url, t, 'cart.addItem', { skuId, quantity: 1 });
    }),
  );

  // Preflight: the right cart, served by the fast path (it sends a Content-Length; the stock adapter streams).
  const probe = await fetch(`${bff.url}/trpc/cart.get`, { headers: { authorization: `Bearer ${readers[0]}` } });
  const probeBody = await probe.text();
  if (probe.status !== 200 || !probeBody.includes(`"totalItems":${LINES}`))
    throw new Error(`cart.get preflight: ${probe.status} ${probeBody.slice(0, 300)}`);
  if (probe.headers.get('content-length') === null) throw new Error('cart.get was not answered by the fast path');

  const getCart: Endpoint = {
    label: `BFF GET /trpc/cart.get (${LINES}-line cart per connection)`,
    server: bff,
    req: {
      url: `${bff.url}/trpc/cart.get`,
      setupClient: perConnection((c, i) => c.setHeaders({ authorization: `Bearer ${readers[i]}` }), readers.length),
    },
  };
  const addItem = (connections: number, as: 'customer' | 'guest' = 'customer'): Endpoint => ({
    label:
      as === 'customer'
        ? `BFF POST /trpc/cart.addItem (own cart and SKUs per connection)`
        : `BFF POST /trpc/cart.addItem as guests (no holds)`,
    server: bff,
    req: {
      url: `${bff.url}/trpc/cart.addItem`,
      setupClient: perConnection(
        (c, i) =>
          c.setRequests(
            writerSkus(i).map((skuId) => ({
              method: 'POST',
              path: '/trpc/cart.addItem',
              headers: {
                authorization: `Bearer ${(as === 'customer' ? writers : guests)[i]}`,
                'content-type': 'application/json',
              },
              body: JSON.stringify({ skuId, quantity: 1 }),
            })),
          ),
        connections,
      ),
    },
  });
  const bareRow: Endpoint = {
    label: 'bare Fastify GET /bare',
    server: bare,
    req: { url: `${bare.url}/bare`, expectBody: '{"ok":true}' },
  };
  rows = await measureAll(
    flags.only === 'add'
      ? [bareRow, addItem(load.connections)]
      : flags.only === 'get'
        ? [bareRow, getCart]
        : [bareRow, getCart, addItem(load.connections)],
    load,
  );
  if (flags.only !== 'get')
    slow = await measureAll([addItem(SLOW_CONNECTIONS), addItem(SLOW_CONNECTIONS, 'guest')], {
      ...load,
      connections: SLOW_CONNECTIONS,
    });
} catch (e) {
  failure = e;
} finally {
  for (const s of servers) await s.stop();
  await drop?.().catch((e: unknown) => console.error('could not clean the bench database/stream/keys up:', e));
}

if (rows.length) {
  const [bare] = rows;
  const get = rows.find((r) => r.label.includes('cart.get'));
  const add = rows.find((r) => r.label.includes('cart.addItem'));
  printTable('zjmall cart benchmark (issue 4)', load, rows, bare);
  if (slow.length) printTable('cart.addItem at 8 connections', { ...load, connections: SLOW_CONNECTIONS }, slow, bare);
  const pct = (a: Measure) => (100 * a.reqPerSec) / bare.reqPerSec;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  if (get)
    console.log(
      `\ncart.get/bare     ${pct(get).toFixed(1)}%  (target ≥ 25%: ${verdict(pct(get) >= 25)}); p99 ${get.p99.toFixed(2)} ms (target ≤ 10 ms: ${verdict(get.p99 <= 10)})`,
    );
  if (add)
    console.log(
      `cart.addItem/bare ${pct(add).toFixed(1)}%  (${add.reqPerSec.toFixed(0)} req/s at ${load.connections} connections, p50 ${add.p50.toFixed(2)} ms, p99 ${add.p99.toFixed(2)} ms)`,
    );
  if (slow[0])
    console.log(
      `cart.addItem at ${SLOW_CONNECTIONS} connections: p50 ${slow[0].p50.toFixed(2)} ms (target ≤ 5 ms: ${verdict(slow[0].p50 <= 5)}), ${slow[0].reqPerSec.toFixed(0)} req/s`,
    );
  if (slow[1])
    console.log(`  as guests (no holds): p50 ${slow[1].p50.toFixed(2)} ms, ${slow[1].reqPerSec.toFixed(0)} req/s`);
  const cpu = (m: Measure | undefined) => (m?.cpuMicros == null ? '-' : m.cpuMicros.toFixed(1));
  const pgCpu = (m: Measure | undefined) => (m?.pgMicros == null ? '-' : m.pgMicros.toFixed(1));
  console.log(
    `server CPU per request: bare ${cpu(bare)} µs, cart.get ${cpu(get)} µs, cart.addItem ${cpu(add)} µs (BFF process); PostgreSQL's: cart.get ${pgCpu(get)} µs, cart.addItem ${pgCpu(add)} µs${slow[0] ? `, at ${SLOW_CONNECTIONS} connections ${pgCpu(slow[0])} µs` : ''}`,
  );
}
if (failure !== null) {
  for (const s of servers) console.error(`--- last output of ${s.name}:\n${s.output().slice(-3000)}`);
  console.error(
    '\nCART BENCHMARK FAILED:',
    failure instanceof Error ? (failure.stack ?? failure.message) : failure,
    failure instanceof Error && failure.cause ? failure.cause : '',
  );
  process.exit(1);
}
