import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@zjmall/platform';
import { buyer, publishedSku, spawnBff, startTestBff, type BffProcess, type TestBff } from './support/bff';
import { repoRoot } from './support/paths';
import { startOtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';

const ADMIN = '00000000-0000-7000-8000-00000000ad22';

/**
 * OTEL_EXPORTER_OTLP_ENDPOINT set on a BFF (no jobs) and a worker, both started as in production
 * (apps/bff/bin/start.mjs): a checkout and a cancellation made on the BFF are each one trace, from
 * the procedure's span with its SQL and Redis spans beneath, through the outbox row and the
 * relay's publish in the worker, into the worker's durable consumer and its SQL, and the BFF's
 * SSE push of the status. Spans are received as an operator's collector would (OTLP/HTTP JSON).
 */
let setup: TestBff;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let bff: BffProcess;
let worker: ChildProcess;
let workerOut = '';
let skuId: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // The catalog is made in this process (untraced); everything measured happens in the children.
  setup = await startTestBff({ label: 'tracing', jobs: false });
  skuId = await publishedSku(setup, {
    name: '追踪键盘',
    code: `TR-${newId()}`,
    spec: { switch: 'brown' },
    price: 19_900,
    stock: 5,
    actor: ADMIN,
  });
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_TRACES_SAMPLER: 'always_on',
  };
  bff = await spawnBff({ ...setup.env.childEnv, ...otel, RUN_JOBS: 'false', LOG_LEVEL: 'info' });
  worker = spawn(process.execPath, [resolve(repoRoot, 'apps/bff/bin/start.mjs')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...setup.env.childEnv,
      ...otel,
      LOG_LEVEL: 'info',
      ZJMALL_ENTRY: 'apps/worker/src/main.ts',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d) => (workerOut += d));
  worker.stderr!.on('data', (d) => (workerOut += d));
  await eventually(
    () => workerOut.includes('zjmall worker running'),
    () => `worker did not start:\n${workerOut}`,
  );
}, 180_000);

afterAll(async () => {
  await bff?.stop();
  if (worker && worker.exitCode === null) {
    const exited = new Promise((ok) => worker.once('exit', ok));
    worker.kill('SIGTERM');
    await exited;
  }
  await setup?.close();
  await receiver?.close();
});

async function eventually(ok: () => boolean, why: () => string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((r) => setTimeout(r, 100));
  }
}

const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
const describeTrace = (traceId: string) =>
  spansOf(traceId)
    .map((s) => `${s.service} ${s.name} ${s.spanId}←${s.parentSpanId}`)
    .join('\n');
const isSql = (s: ReceivedSpan) =>
  s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql';
const isRedis = (s: ReceivedSpan) =>
  s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis';
/** Whether `span` descends from `ancestor` within its trace. */
function descends(span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  const byId = new Map(spansOf(span.traceId).map((s) => [s.spanId, s]));
  for (let p = byId.get(span.parentSpanId); p; p = byId.get(p.parentSpanId))
    if (p.spanId === ancestor.spanId) return true;
  return false;
}

describe('tracing across processes', () => {
  it('follows a checkout and its cancellation from the BFF through the outbox and NATS into the worker', async () => {
    const { client, addressId } = await buyer(bff);
    await client.cart.addItem.mutate({ skuId, quantity: 1 });
    const order = await client.order.checkout.mutate({ addressId, idempotencyKey: `co-${newId()}` });
    const statuses: string[] = [];
    const sub = client.order.onStatus.subscribe({ id: order.id }, { onData: (s) => statuses.push(s.status) });
    try {
      await eventually(
        () => statuses.includes('pending_payment'),
        () => `no status: ${statuses.join()}`,
      );
      await client.payment.create.mutate({
        orderId: order.id,
        channel: 'sandbox_alipay',
        idempotencyKey: `p-${newId()}`,
      });
      await client.order.cancel.mutate({ id: order.id });
      await eventually(
        () => statuses.includes('cancelled'),
        () => `no cancelled push: ${statuses.join()}`,
      );

      // The checkout: procedure span, its SQL and Redis beneath, its events published by the worker.
      const checkout = () => receiver.spans.find((s) => s.service === 'zjmall-bff' && s.name === 'order.checkout');
      await eventually(
        () => {
          const c = checkout();
          return (
            !!c && spansOf(c.traceId).some((s) => s.service === 'zjmall-worker' && s.name === 'order.created publish')
          );
        },
        () =>
          `no checkout trace reaching the worker; spans: ${receiver.spans.map((s) => `${s.service}:${s.name}`).join(', ')}`,
      );
      const co = checkout()!;
      expect(co.attributes['rpc.method']).toBe('order.checkout');
      expect(spansOf(co.traceId).some((s) => s.service === 'zjmall-bff' && s.kind === 2)).toBe(true); // HTTP server span
      expect(
        spansOf(co.traceId).filter((s) => isSql(s) && descends(s, co)).length,
        describeTrace(co.traceId),
      ).toBeGreaterThan(0);
      expect(
        spansOf(co.traceId).filter((s) => isRedis(s) && descends(s, co)).length,
        describeTrace(co.traceId),
      ).toBeGreaterThan(0);

      // The cancellation: into the worker's durable reaction, which closes the payment in SQL, and
      // back to the BFF as the SSE push.
      const cancel = () => receiver.spans.find((s) => s.service === 'zjmall-bff' && s.name === 'order.cancel');
      const reaction = () => {
        const c = cancel();
        return (
          c &&
          spansOf(c.traceId).find((s) => s.service === 'zjmall-worker' && s.name === 'payment-close-on-order-cancelled')
        );
      };
      await eventually(
        () => !!reaction(),
        () =>
          `no reaction in the cancel trace:\n${cancel() ? describeTrace(cancel()!.traceId) : 'no order.cancel span'}`,
      );
      const cn = cancel()!;
      const r = reaction()!;
      const publish = spansOf(cn.traceId).find((s) => s.name === 'order.cancelled publish');
      expect(publish?.service).toBe('zjmall-worker');
      expect(descends(publish!, cn), describeTrace(cn.traceId)).toBe(true);
      expect(descends(r, publish!), describeTrace(cn.traceId)).toBe(true);
      expect(r.attributes['zjmall.event_type']).toBe('order.cancelled');
      expect(
        spansOf(cn.traceId).filter((s) => s.service === 'zjmall-worker' && isSql(s) && descends(s, r)).length,
      ).toBeGreaterThan(0);
      await eventually(
        () => spansOf(cn.traceId).some((s) => s.service === 'zjmall-bff' && s.name === 'order.cancelled receive'),
        () => `no SSE-side receive in the cancel trace:\n${describeTrace(cn.traceId)}`,
      );
      // The relay's polling and the probes make no traces of their own.
      expect(receiver.spans.some((s) => s.name.includes('/health') || s.name.includes('/ready'))).toBe(false);
    } finally {
      sub.unsubscribe();
    }
  });

  it('marks a failed procedure with its appCode', { timeout: 60_000 }, async () => {
    // No token: the guest procedure answers UNAUTHENTICATED.
    expect((await fetch(`${bff.url}/trpc/cart.get`)).status).toBe(401);
    const failed = () =>
      receiver.spans.find((s) => s.name === 'cart.get' && s.attributes['zjmall.app_code'] === 'UNAUTHENTICATED');
    await eventually(
      () => !!failed(),
      () =>
        `no failed cart.get span: ${receiver.spans.filter((s) => s.name === 'cart.get').map((s) => JSON.stringify(s))}`,
      20_000,
    );
    expect(failed()!.status.code).toBe(2); // ERROR
  });
});
