import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchEnvironment, bffNodeArgs, freePort, machineLine, REPO_ROOT } from './harness';

/**
 * Peak RSS of the BFF during a burst of concurrent sign-ups and logins (half each; half the logins
 * for e-mails that do not exist, which spend a decoy hash), answered BUSY count and latency.
 * The BFF runs in the production configuration (NODE_ENV=production, PostgreSQL, Redis, NATS of the
 * machine with a private database, key prefix and stream). RSS is read from /proc/<pid>/status
 * (VmRSS, the BFF process and its children) every 10 ms.
 *
 *   npx tsx infra/bench/hash-burst.ts [--burst 500] [--cost <PASSWORD_HASH_COST>] [--root <repo checkout>]
 *
 * --root runs the BFF of another checkout (e.g. `git worktree add /tmp/wt-before <commit>` with a
 * node_modules symlink), for a baseline measured the same way. Linux only (/proc).
 */

const { values: flags } = parseArgs({
  options: {
    burst: { type: 'string', default: '500' },
    cost: { type: 'string' },
    root: { type: 'string', default: REPO_ROOT },
  },
});
const BURST = Number(flags.burst);
const ROOT = resolve(flags.root);

function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const own = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    return own + children.reduce((s, c) => s + rssKiB(c), 0);
  } catch {
    return 0;
  }
}

interface Answer {
  ok: boolean;
  appCode?: string;
  status: number;
  ms: number;
}

async function call(base: string, path: string, input: unknown): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(`${base}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: unknown; error?: { data?: { appCode?: string } } };
  return {
    ok: res.ok && !!body.result,
    appCode: body.error?.data?.appCode,
    status: res.status,
    ms: performance.now() - t0,
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

const world = await benchEnvironment(flags.cost ? { PASSWORD_HASH_COST: flags.cost } : {});
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const child = spawn(process.execPath, [...bffNodeArgs(), '--import', 'tsx', 'apps/bff/src/main.ts'], {
  cwd: ROOT,
  env: { ...process.env, ...world.env, PORT: String(port) },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8000)));
child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8000)));
process.once('exit', () => child.kill('SIGKILL'));

let failed: unknown = null;
try {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the BFF exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the BFF did not come up:\n${output}`);
    const up = await fetch(`${base}/trpc/health.ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const password = 'correct horse battery staple';
  const tag = Date.now().toString(36);
  // Accounts the logins use, made before the measurement, four at a time.
  const known = Array.from({ length: Math.ceil(BURST / 4) }, (_, i) => `known-${tag}-${i}@example.com`);
  for (let i = 0; i < known.length; i += 4) {
    const made = await Promise.all(
      known.slice(i, i + 4).map((email) => call(base, 'auth.register', { email, password, name: 'Bench' })),
    );
    if (made.some((a) => !a.ok)) throw new Error(`setup sign-up failed: ${JSON.stringify(made)}`);
  }
  const idle = rssKiB(child.pid!);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(child.pid!))), 10);
  const signUps = Math.floor(BURST / 2);
  const calls: Promise<Answer>[] = [];
  for (let i = 0; i < BURST; i++) {
    if (i < signUps) {
      calls.push(call(base, 'auth.register', { email: `new-${tag}-${i}@example.com`, password, name: 'Bench' }));
    } else if ((i - signUps) % 2 === 0) {
      calls.push(call(base, 'auth.login', { email: known[(i - signUps) / 2], password }));
    } else {
      calls.push(call(base, 'auth.login', { email: `nobody-${tag}-${i}@example.com`, password }));
    }
  }
  const answers = await Promise.all(calls);
  clearInterval(sampler);
  peak = Math.max(peak, rssKiB(child.pid!));
  const kinds = new Map<string, number>();
  for (const a of answers) {
    const k = a.ok ? 'ok' : `${a.status} ${a.appCode ?? ''}`.trim();
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const ms = answers.map((a) => a.ms);
  const busy = answers.filter((a) => a.appCode === 'BUSY').map((a) => a.ms);
  console.log('hash burst');
  console.log(machineLine());
  console.log(`BFF from ${ROOT}, PASSWORD_HASH_COST=${world.env.PASSWORD_HASH_COST ?? 'default'}`);
  console.log(
    `${BURST} at once (${signUps} sign-ups, ${BURST - signUps} logins, half for unknown e-mails): ` +
      `RSS idle ${(idle / 1024).toFixed(0)} MiB, peak ${(peak / 1024).toFixed(0)} MiB`,
  );
  console.log(`answers: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log(
    `latency all: p50 ${pct(ms, 50).toFixed(0)} ms, p99 ${pct(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`,
  );
  if (busy.length) console.log(`BUSY answers: p50 ${pct(busy, 50).toFixed(0)} ms, p99 ${pct(busy, 99).toFixed(0)} ms`);
} catch (e) {
  failed = e;
} finally {
  child.kill('SIGTERM');
  if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  await world.drop().catch((e: unknown) => console.error('could not clean the bench database/stream/keys up:', e));
}
if (failed) {
  console.error(failed);
  process.exit(1);
}
