import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, serverBinary } from './local-server';

/**
 * A private `nats-server -js` for a test that stops and restarts NATS (never the machine's shared
 * one). It keeps its port and its JetStream store across `stop()`/`start()`, as a restarted server
 * of a deployment does, so streams and durable consumers survive the restart.
 */
export interface PrivateNatsServer {
  readonly url: string;
  readonly port: number;
  /** Starts the server (again) on the same port and store; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s); resolves once the process has exited. */
  stop(): Promise<void>;
  /** Stops the server and removes its store. */
  dispose(): Promise<void>;
}

function natsServerBinary(): string {
  return serverBinary('nats-server', 'NATS_SERVER_BIN');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * `started: false` only picks the port and the store: the server is not running until `start()`
 * (a process that must start while NATS is not there yet).
 */
export async function startPrivateNatsServer(opts: { started?: boolean } = {}): Promise<PrivateNatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'zjmall-nats-'));
  const bin = natsServerBinary();
  let child: ChildProcess | null = null;
  let output = '';

  const start = async () => {
    if (child) throw new Error('private nats-server is already running');
    output = '';
    const proc = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${output.slice(-2000)}`)));
    });
    exited.catch(() => {});
    const deadline = Date.now() + 15_000;
    // "Server is ready" is logged once JetStream and the client listener are up.
    while (!/Server is ready/.test(output) || !(await accepts(port))) {
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`nats-server did not start on ${port}: ${output.slice(-2000)}`);
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20))]);
    }
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    child = null;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  };

  if (opts.started !== false) await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async dispose() {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
