import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from './testing/harness';

// The acceptance test of the guard: two OS processes, each with its own platform (Redlock over the
// shared Redis, its own coalescer and pool), race for one SKU. The children start once (tsx and
// the platform take seconds to load) and serve both races.
const h = await createHarness('processes');

const ROOT = resolve(import.meta.dirname, '../../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');
const FIXTURE = resolve(import.meta.dirname, 'reserve.fixture.ts');

interface ChildResult {
  ok: number;
  insufficient: number;
  other: string[];
  lockLost: number;
}

function startChild() {
  const p = spawn(TSX, [FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, ...h.env.childEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  p.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const exited = new Promise<number | null>((done) => p.once('exit', done));
  const waiting: { done(r: ChildResult): void; fail(e: Error): void }[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  createInterface({ input: p.stdout }).on('line', (l) => {
    const msg = JSON.parse(l) as ChildResult & { ready?: boolean };
    if (msg.ready) ready();
    else waiting.shift()?.done(msg);
  });
  void exited.then((code) => {
    const e = new Error(`reserve fixture exited (${code}):\n${stderr}`);
    for (const w of waiting.splice(0)) w.fail(e);
  });
  return {
    isReady: Promise.race([isReady, exited.then(() => Promise.reject(new Error(`reserve fixture died:\n${stderr}`)))]),
    run(cmd: object): Promise<ChildResult> {
      return new Promise((done, fail) => {
        waiting.push({ done, fail });
        p.stdin.write(`${JSON.stringify(cmd)}\n`);
      });
    },
    async stop() {
      p.stdin.end();
      await exited;
    },
  };
}

const kids = [startChild(), startChild()];
beforeAll(() => Promise.all(kids.map((k) => k.isReady)), 60_000);
afterAll(async () => {
  await Promise.all(kids.map((k) => k.stop()));
  await h.close();
});

async function race(opts: object) {
  const skuId = await h.newSku(50);
  const results = await Promise.all(kids.map((k) => k.run({ skuId, count: 100, ...opts })));
  return { skuId, results };
}

async function expectExactly50(skuId: string, results: ChildResult[]) {
  expect(results.flatMap((r) => r.other)).toEqual([]);
  expect(results.reduce((n, r) => n + r.ok, 0)).toBe(50);
  expect(results.reduce((n, r) => n + r.insufficient, 0)).toBe(150);
  expect(await h.stock(skuId)).toEqual({ onHand: 50, reserved: 50 });
  expect(await h.activeReservations(skuId)).toEqual({ n: 50, total: 50 });
  const reserves = (await h.ledger(skuId)).filter((l) => l.type === 'RESERVE');
  expect(reserves.reduce((n, l) => n + l.quantity, 0)).toBe(50);
  expect(new Set(reserves.map((l) => l.ref_id)).size).toBe(50);
  expect((await h.svc.audit()).mismatches).toEqual([]);
}

describe('two OS processes × 100 concurrent reservations of 1 on a SKU with stock 50', () => {
  it('lets exactly 50 through; the rest get INSUFFICIENT_STOCK; ledger and stock agree', async () => {
    const { skuId, results } = await race({});
    await expectExactly50(skuId, results);
  });

  it('does so with small batches too, the processes taking turns on the lock', async () => {
    const { skuId, results } = await race({ maxBatch: 5 });
    await expectExactly50(skuId, results);
  });

  it('holds with a lock TTL shorter than the work inside it (the fence, not the lock, decides)', async () => {
    // 20 ms locks, 60 ms stalls inside them, batches of 10: the locks expire mid-flight.
    const { skuId, results } = await race({ lockTtlMs: 20, stallMs: 60, maxBatch: 10 });
    await expectExactly50(skuId, results);
    // The scenario really happened: the processes lost their locks while working.
    expect(results.reduce((n, r) => n + r.lockLost, 0)).toBeGreaterThan(0);
  });
});
