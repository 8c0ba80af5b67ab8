import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, serverBinary } from './local-server';

/**
 * A private `redis-server` for a test that kills, restarts or freezes Redis (never the machine's
 * shared one). No persistence: a restarted server starts empty, as a replaced cache node would.
 * `pause()` (SIGSTOP) freezes it with its data, as a hung server or a network partition does:
 * connections stay open and commands get no answer until `resume()`.
 */
export interface PrivateRedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Starts the server (again) on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL; resolves once the process has exited. */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
  dispose(): Promise<void>;
}

export function redisServerBinary(): string {
  return serverBinary('redis-server', 'REDIS_SERVER_BIN');
}

export async function startPrivateRedisServer(): Promise<PrivateRedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'zjmall-redis-'));
  let child: ChildProcess | null = null;
  let output = '';

  const start = async () => {
    if (child) throw new Error('private redis-server is already running');
    output = '';
    const proc = spawn(
      redisServerBinary(),
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-2000)}`)));
    });
    exited.catch(() => {});
    const deadline = Date.now() + 15_000;
    while (!/Ready to accept connections/.test(output)) {
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start on ${port}: ${output.slice(-2000)}`);
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20))]);
    }
  };

  const kill = async () => {
    const proc = child;
    if (!proc) return;
    child = null;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await gone;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid;
    },
    start,
    kill,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async dispose() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
