import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/**
 * Runs a k6 script without k6: setup() once, then the default function for one iteration in each
 * of `vus` VUs (each its own worker thread, all at once, like k6's VUs), then teardown(), with the
 * stand-in modules of this folder in place of `k6`, `k6/http` and `k6/metrics`. The VUs' HTTP
 * requests are made here, on the test's thread, while the VU blocks (worker.mjs, state.mjs).
 */

export type K6Phase = 'setup' | 'vu' | 'teardown';

export interface K6Check {
  name: string;
  ok: boolean;
  phase: K6Phase;
  vu: number;
  group: string;
  /** For a failed check: the request answered last before it. */
  lastRequest?: string;
}

export interface K6Request {
  method: string;
  url: string;
  /** The `name` tag (the tRPC path in our scripts). */
  name: string;
  status: number;
  /** What k6 counts in http_req_failed. */
  failed: boolean;
  phase: K6Phase;
  vu: number;
}

export interface K6Sample {
  name: string;
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  value: number;
  phase: K6Phase;
  vu: number;
}

export interface K6Options {
  scenarios?: Record<string, Record<string, unknown>>;
  thresholds?: Record<string, string[]>;
  [key: string]: unknown;
}

export interface K6Run {
  options: K6Options | null;
  exports: string[];
  checks: K6Check[];
  requests: K6Request[];
  metrics: K6Sample[];
  errors: { phase: K6Phase; vu: number; message: string }[];
}

interface Records {
  checks: K6Check[];
  requests: K6Request[];
  metrics: K6Sample[];
  errors: K6Run['errors'];
}
interface PhaseResult {
  options: K6Options | null;
  exports: string[];
  data: string | null;
  records: Records;
}
interface WireRequest {
  method: string;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  timeoutMs: number;
}
interface WireResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
  durationMs: number;
  error: string;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** One request for a VU; never throws (k6 answers status 0 with an error instead). */
async function perform(req: WireRequest): Promise<WireResponse> {
  const started = performance.now();
  const failed = (error: string): WireResponse => ({
    status: 0,
    body: '',
    headers: {},
    durationMs: performance.now() - started,
    error,
  });
  let host: string;
  try {
    host = new URL(req.url).hostname;
  } catch {
    return failed(`invalid URL ${req.url}`);
  }
  // The contract check talks to the test's own BFF only.
  if (!LOCAL_HOSTS.has(host)) return failed(`k6 stand-in: refusing ${req.url} (localhost only)`);
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body ?? undefined,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const body = await res.text();
    const headers: Record<string, string> = {};
    // k6 canonicalises header names (Content-Type).
    res.headers.forEach(
      (v, k) => (headers[k.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())] = v),
    );
    return { status: res.status, body, headers, durationMs: performance.now() - started, error: '' };
  } catch (e) {
    return failed(e instanceof Error ? e.message : String(e));
  }
}

function serve(port: MessagePort, signal: Int32Array) {
  port.on('message', (msg: { requests: WireRequest[] }) => {
    void Promise.all(msg.requests.map(perform)).then((responses) => {
      // The answer must be on the port before the VU wakes and reads it.
      port.postMessage({ responses });
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    });
  });
}

const SLEEP_CAP_MS = 50;

function runPhase(
  script: string,
  phase: K6Phase,
  vu: number,
  env: Record<string, string>,
  data: string | null,
): Promise<PhaseResult> {
  const { port1, port2 } = new MessageChannel();
  const signalBuffer = new SharedArrayBuffer(4);
  serve(port1, new Int32Array(signalBuffer));
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { script, phase, vu, env, data, port: port2, signal: signalBuffer, sleepCapMs: SLEEP_CAP_MS },
    transferList: [port2],
  });
  return new Promise<PhaseResult>((resolve, reject) => {
    let result: PhaseResult | null = null;
    worker.once('message', (m: PhaseResult) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      port1.close();
      if (result) resolve(result);
      else reject(new Error(`k6 ${phase} worker (VU ${vu}) exited with ${code} before reporting`));
    });
  });
}

export async function runK6Script(script: string, opts: { env: Record<string, string>; vus?: number }): Promise<K6Run> {
  const all: Records = { checks: [], requests: [], metrics: [], errors: [] };
  const add = (r: Records) => {
    all.checks.push(...r.checks);
    all.requests.push(...r.requests);
    all.metrics.push(...r.metrics);
    all.errors.push(...r.errors);
  };
  // k6 runs setup and teardown with __VU = 0.
  const setup = await runPhase(script, 'setup', 0, opts.env, null);
  add(setup.records);
  // k6 stops when setup throws.
  if (setup.records.errors.length === 0) {
    const vus = Array.from({ length: opts.vus ?? 1 }, (_, i) => i + 1);
    for (const r of await Promise.all(vus.map((vu) => runPhase(script, 'vu', vu, opts.env, setup.data))))
      add(r.records);
    if (setup.exports.includes('teardown')) add((await runPhase(script, 'teardown', 0, opts.env, setup.data)).records);
  }
  return { options: setup.options, exports: setup.exports, ...all };
}

/** Everything a clean run must not have, as readable lines (empty: clean). */
export function problems(run: K6Run): string[] {
  return [
    ...run.errors.map((e) => `exception in ${e.phase} (VU ${e.vu}): ${e.message}`),
    ...run.checks
      .filter((c) => !c.ok)
      .map((c) => `failed check "${c.name}" in ${c.phase}${c.group} (VU ${c.vu}); last request: ${c.lastRequest}`),
    ...run.requests
      .filter((r) => r.failed)
      .map((r) => `failed request ${r.method} ${r.name} → ${r.status} in ${r.phase} (VU ${r.vu})`),
  ];
}
