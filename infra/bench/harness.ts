import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { deleteRedisPrefix, deleteStream } from '@zjmall/platform/testing';
import { createServer } from 'node:net';
import os from 'node:os';
import { resolve } from 'node:path';
import autocannon, { type Options as LoadOptions } from 'autocannon';

/**
 * What every bench script shares: servers in child processes (the load generator never shares a
 * process with what it measures), autocannon runs that count every failure, and one table with
 * ratios to a baseline measured in the same run, headed by the machine it ran on.
 */

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'} × ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform} ${process.arch}`;
}

/** The 1/5/15-minute load average. */
export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

// Read when a bench starts (every bench imports this file first).
const LOAD_AT_START = loadAverage();

/**
 * The line each bench's report starts with: the machine, and how busy it was when the bench started
 * and when the line is printed (after the measurements in most benches). Other work on the machine
 * lowers req/s (CPU µs per request far less): a figure from a loaded machine is not a result.
 */
export function machineLine(): string {
  return `machine: ${machine()}; load average (1/5/15 min) ${LOAD_AT_START} when the bench started, ${loadAverage()} now`;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => done(port));
    });
  });
}

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  /** The last 8,000 characters it wrote (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A bench killed half-way must not leave servers behind.
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => process.exit(130));
}

/**
 * Starts `node --import tsx <script>` from the repository root (so tsconfig paths resolve) and waits
 * until `readyPath` answers 200 (or its output shows `readyOutput`). Its output is kept and shown if
 * it fails to come up.
 */
/**
 * Node flags of the BFF as production runs it (infra/Dockerfile's NODE_OPTIONS, `npm start`): a
 * 64 MB semi-space, so the young generation is collected a quarter as often (a cached cart read
 * allocates fast; with the 16 MB default, scavenges cost ≈ 20% of its throughput here). Plus
 * BENCH_CPU_PROF=<dir> (a CPU profile) and BENCH_NODE_ARGS="…" (anything else, to try a flag).
 */
export function bffNodeArgs(): string[] {
  return [
    '--max-semi-space-size=64',
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ];
}

export async function startServer(opts: {
  name: string;
  script: string;
  args?: string[];
  /** Extra flags for node itself, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  env: Record<string, string>;
  port: number;
  readyPath?: string;
  /** Ready once its output contains this (a process that serves no HTTP, e.g. apps/worker), instead of `readyPath`. */
  readyOutput?: string;
  timeoutMs?: number;
}): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.script, ...(opts.args ?? [])],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...opts.env, PORT: String(opts.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let dead = false;
  void exited.then(() => {
    dead = true;
    running.delete(child);
  });

  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (dead) throw new Error(`${opts.name} exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} was not ready within ${(opts.timeoutMs ?? 60_000) / 1000} s:\n${output}`);
    }
    if (opts.readyOutput !== undefined) {
      if (output.includes(opts.readyOutput)) break;
    } else {
      try {
        const res = await fetch(url + (opts.readyPath ?? '/health'));
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    name: opts.name,
    url,
    pid: child.pid ?? 0,
    output: () => output,
    async stop() {
      if (dead) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere.
 * CPU per request holds still when other work shares the machine; req/s does not.
 */
/** CPU seconds (user + system) of `pid` and every process below it (a BFF_PROCESSES cluster's workers). */
export function cpuSeconds(pid: number): number | null {
  const own = statOf(pid);
  if (own === null) return null;
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = statOf(Number(entry));
    if (st) children.set(st.ppid, [...(children.get(st.ppid) ?? []), Number(entry)]);
  }
  let total = 0;
  const walk = (p: number) => {
    total += statOf(p)?.cpu ?? 0;
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return total;
}

/** CPU seconds (user + system) of `pid` alone, from /proc (Linux); null when it is gone or elsewhere. */
export function processCpuSeconds(pid: number): number | null {
  return statOf(pid)?.cpu ?? null;
}

function statOf(pid: number): { ppid: number; cpu: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / CLK_TCK }; // ppid, utime, stime
  } catch {
    return null;
  }
}

/**
 * CPU of the machine's PostgreSQL, Redis and NATS servers over a measured window, by process name
 * (every backend, the WAL writer and the rest): on this 2-core machine they share the CPU with the
 * BFF, so a figure per request needs their part too. Backends come and go (the pool opens and
 * closes connections), so /proc is polled and each process's CPU is taken from its first sighting
 * in the window (a process born in it counts from zero). Linux only; the bench is the machine's
 * only load while it measures.
 */
export function serviceCpuMeter(pollMs = 200): { stop(): Record<'postgres' | 'redis' | 'nats', number> | null } {
  if (process.platform !== 'linux') return { stop: () => null };
  const groups = { postgres: /^postgres$/, redis: /^redis-server$/, nats: /^nats-server$/ } as const;
  type Group = keyof typeof groups;
  const first = new Map<number, number>();
  const latest = new Map<number, { group: Group; cpu: number }>();
  // Each process's name is read once (the poll runs in the load generator's process: keep it cheap).
  const groupOf = new Map<number, Group | null>();
  const poll = (start: boolean) => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      let group = groupOf.get(pid);
      if (group === undefined) {
        let comm = '';
        try {
          comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
        } catch {
          continue;
        }
        group = (Object.keys(groups) as Group[]).find((g) => groups[g].test(comm)) ?? null;
        groupOf.set(pid, group);
      }
      if (!group) continue;
      const st = statOf(pid);
      if (!st) continue;
      if (!first.has(pid)) first.set(pid, start ? st.cpu : 0);
      latest.set(pid, { group, cpu: st.cpu });
    }
  };
  poll(true);
  const timer = setInterval(() => poll(false), pollMs);
  return {
    stop() {
      clearInterval(timer);
      poll(false);
      const out = { postgres: 0, redis: 0, nats: 0 };
      for (const [pid, { group, cpu }] of latest) out[group] += cpu - (first.get(pid) ?? 0);
      return out;
    },
  };
}

export interface LoadSettings {
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** Measured runs per endpoint, interleaved across endpoints so passing noise hits them alike. */
  rounds: number;
}

/** The autocannon flags every bench takes (`--duration 10 --warmup 3 --rounds 3 --connections 64`), for parseArgs. */
export const LOAD_FLAGS = {
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '3' },
  rounds: { type: 'string', default: '3' },
  connections: { type: 'string', default: '64' },
} as const;

export function loadSettings(flags: {
  duration: string;
  warmup: string;
  rounds: string;
  connections: string;
}): LoadSettings {
  return {
    connections: Number(flags.connections),
    durationSec: Number(flags.duration),
    warmupSec: Number(flags.warmup),
    rounds: Math.max(1, Number(flags.rounds)),
  };
}

export interface Endpoint {
  label: string;
  /** The process whose CPU is charged to the requests. */
  server: ChildServer;
  req: Omit<LoadOptions, 'connections' | 'duration'>;
}

export interface Measure {
  label: string;
  /** Median over the rounds (by req/s); CPU and latency are the medians of their own. */
  reqPerSec: number;
  minReqPerSec: number;
  maxReqPerSec: number;
  /** Server CPU per answered request, µs (null where /proc is missing). */
  cpuMicros: number | null;
  /** PostgreSQL's CPU (every backend and helper) per answered request, µs: it shares the machine with the server. */
  pgMicros: number | null;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
}

interface Run {
  reqPerSec: number;
  cpuMicros: number | null;
  pgMicros: number | null;
  p50: number;
  p99: number;
  requests: number;
}

async function runOnce(e: Endpoint, connections: number, durationSec: number): Promise<Run> {
  const cpuBefore = cpuSeconds(e.server.pid);
  const services = serviceCpuMeter();
  const r = await autocannon({ ...e.req, connections, duration: durationSec });
  const cpuAfter = cpuSeconds(e.server.pid);
  const pg = services.stop()?.postgres ?? null;
  const failures = r.errors + r.timeouts + r.mismatches + r.non2xx;
  // A figure with errors is not a result.
  if (failures > 0 || r.requests.total === 0) {
    throw new Error(
      `${e.label}: not a result — ${r.requests.total} requests, ${r.errors} errors, ${r.timeouts} timeouts, ${r.mismatches} body mismatches, ${r.non2xx} non-2xx`,
    );
  }
  return {
    reqPerSec: r.requests.average,
    cpuMicros: cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) * 1e6) / r.requests.total : null,
    pgMicros: pg === null ? null : (pg * 1e6) / r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Warms every endpoint up (discarded: JIT, pools, connection set-up), then measures them in
 * `rounds` interleaved rounds. Any error, timeout, non-2xx answer or body mismatch throws.
 */
export async function measureAll(endpoints: Endpoint[], load: LoadSettings): Promise<Measure[]> {
  if (load.warmupSec > 0) for (const e of endpoints) await runOnce(e, load.connections, load.warmupSec);
  const runs = endpoints.map((): Run[] => []);
  for (let round = 0; round < load.rounds; round++) {
    for (const [i, e] of endpoints.entries()) runs[i].push(await runOnce(e, load.connections, load.durationSec));
  }
  return endpoints.map((e, i) => {
    const rs = runs[i];
    const cpu = rs.map((r) => r.cpuMicros);
    const pg = rs.map((r) => r.pgMicros);
    return {
      label: e.label,
      reqPerSec: median(rs.map((r) => r.reqPerSec)),
      minReqPerSec: Math.min(...rs.map((r) => r.reqPerSec)),
      maxReqPerSec: Math.max(...rs.map((r) => r.reqPerSec)),
      cpuMicros: cpu.every((c): c is number => c !== null) ? median(cpu) : null,
      pgMicros: pg.every((c): c is number => c !== null) ? median(pg) : null,
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      requests: rs.reduce((n, r) => n + r.requests, 0),
      errors: 0,
      non2xx: 0,
    };
  });
}

export function printTable(title: string, load: LoadSettings, rows: Measure[], baseline: Measure | undefined): void {
  const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const head = [
    'target',
    'req/s',
    'range',
    'CPU µs/req',
    'PostgreSQL µs/req',
    'p50 ms',
    'p99 ms',
    'requests',
    'errors',
    'non-2xx',
    baseline ? 'vs bare' : '',
  ];
  const body = rows.map((m) => [
    m.label,
    fmt(m.reqPerSec),
    `${fmt(m.minReqPerSec)}–${fmt(m.maxReqPerSec)}`,
    m.cpuMicros === null ? '-' : fmt(m.cpuMicros, 1),
    m.pgMicros === null ? '-' : fmt(m.pgMicros, 1),
    fmt(m.p50, 2),
    fmt(m.p99, 2),
    fmt(m.requests),
    String(m.errors),
    String(m.non2xx),
    baseline ? `${fmt((100 * m.reqPerSec) / baseline.reqPerSec, 1)}%` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(machineLine());
  console.log(
    `load: autocannon, ${load.connections} connections, ${load.warmupSec} s warm-up then ${load.rounds} × ${load.durationSec} s per target, ` +
      'interleaved; each server in its own process, measured one at a time; medians, errors count as failure\n',
  );
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

/**
 * A private world for a bench BFF in the production configuration: its own database, Redis key
 * prefix, NATS subjects and stream, all removed by drop(). `extra` overrides or adds variables.
 */
export async function benchEnvironment(
  extra: Record<string, string> = {},
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const db = `zj_bench_${id}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${db}" ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${db}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'zj-bench-'));
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: redisUrl,
    NATS_URL: natsUrl,
    REDIS_KEY_PREFIX: `zjb:${id}:`,
    NATS_SUBJECT_PREFIX: `zjb_${id}`,
    NATS_STREAM: `ZJB_${id}`.toUpperCase(),
    JWT_SECRET: randomBytes(32).toString('hex'),
    PAYMENT_CALLBACK_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: dataDir,
    RATE_LIMIT_PER_MINUTE: '0',
    RUN_JOBS: 'false',
    BFF_PROCESSES: '1',
    // BENCH_LOG_LEVEL=info BENCH_LOG_REQUESTS=true|false: what the BFF's request log costs.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ...(process.env.BENCH_LOG_REQUESTS ? { LOG_REQUESTS: process.env.BENCH_LOG_REQUESTS } : {}),
    ...extra,
  };
  return {
    env,
    async drop() {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
      } finally {
        await a.end();
      }
      await deleteStream(natsUrl, env.NATS_STREAM).catch(() => {});
      await deleteRedisPrefix(redisUrl, env.REDIS_KEY_PREFIX).catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
