import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { EVENTS, OrderPaidV1, PriceChangedV1, type EventEnvelope } from '@zjmall/contracts';
import { rand, testEnvVar, testRunId } from '@zjmall/platform/testing';
import { repoRoot } from './support/paths';

/** infra/examples/subscriber.ts as an operator runs it, against a private stream and prefix. */
const tsx = resolve(repoRoot, 'node_modules/.bin/tsx');
const script = resolve(repoRoot, 'infra/examples/subscriber.ts');

interface Subscriber {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('infra/examples/subscriber.ts', () => {
  const natsUrl = testEnvVar('ZJ_TEST_NATS_URL');
  const id = `${testRunId()}_sub_${rand()}`;
  const prefix = `zjt_${id}`;
  const stream = `ZJT_${id}`.toUpperCase();
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    nc = await connect({ servers: natsUrl });
    jsm = await jetstreamManager(nc);
    js = jetstream(nc);
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], duplicate_window: 120_000_000_000 });
  });
  afterAll(async () => {
    for (const c of running) c.kill('SIGKILL');
    await jsm?.streams.delete(stream).catch(() => {});
    await nc?.close();
  });

  function start(args: string[] = []): Subscriber {
    let out = '';
    let errOut = '';
    const child = spawn(tsx, [script, ...args], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        NATS_URL: natsUrl,
        NATS_STREAM: stream,
        NATS_SUBJECT_PREFIX: prefix,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (errOut += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) =>
      child.on('exit', (code, signal) => {
        running.delete(child);
        ok({ code, signal });
      }),
    );
    return { child, stdout: () => out, stderr: () => errOut, exited };
  }

  const listening = (s: Subscriber) =>
    waitFor(() => s.stderr().includes('listening on'), `the subscriber to listen (stderr: ${s.stderr()})`);
  const lines = (s: Subscriber) => s.stdout().split('\n').filter(Boolean);

  function envelope<T>(type: string, aggregateId: string, data: T): EventEnvelope<T> {
    return { id: randomUUID(), type, occurredAt: new Date().toISOString(), aggregateId, version: 1, data };
  }
  function orderPaid(orderId: string): EventEnvelope<OrderPaidV1> {
    const data = OrderPaidV1.parse({
      orderId,
      orderNo: '2026112200000001',
      userId: randomUUID(),
      status: 'paid',
      at: new Date().toISOString(),
      paymentId: randomUUID(),
      amount: 12_900,
      currency: 'CNY',
    });
    return envelope(EVENTS.order.paid, orderId, data);
  }
  /** As the relay publishes: subject `<prefix>.<type>`, Nats-Msg-Id = event id. */
  const publish = (e: EventEnvelope) => js.publish(`${prefix}.${e.type}`, JSON.stringify(e), { msgID: e.id });

  it('prints each order event once (validated envelope), skips other subjects, acks, and stops cleanly on SIGINT', async () => {
    const sub = start();
    await listening(sub);
    const consumers = await jsm.consumers.list(stream).next();
    expect(consumers).toHaveLength(1); // its ephemeral consumer

    const paid1 = orderPaid(randomUUID());
    const paid2 = orderPaid(randomUUID());
    const price = envelope(
      EVENTS.catalog.priceChanged,
      randomUUID(),
      PriceChangedV1.parse({ changes: [{ skuId: randomUUID(), oldPrice: 100, newPrice: 90 }], source: 'admin' }),
    );
    await publish(paid1);
    await publish(price);
    await publish(paid2);
    // A relay re-publish of the same event id is dropped by the stream's duplicate window.
    expect((await publish(paid1)).duplicate).toBe(true);

    await waitFor(() => lines(sub).length >= 2, `two printed events (stdout: ${sub.stdout()})`);
    // Everything delivered is acked: nothing pending or waiting for an ack.
    await waitFor(async () => {
      const info = await jsm.consumers.info(stream, consumers[0].name);
      return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.consumer_seq === 2;
    }, 'the consumer to have acked both events');

    const printed = lines(sub);
    expect(printed).toHaveLength(2);
    expect(printed[0]).toContain(
      `order.paid v1 id=${paid1.id} aggregateId=${paid1.aggregateId} subject=${prefix}.order.paid`,
    );
    expect(printed[0]).toContain(paid1.occurredAt);
    expect(printed[0]).toContain(`"paymentId":"${paid1.data.paymentId}"`);
    expect(printed[1]).toContain(`order.paid v1 id=${paid2.id} aggregateId=${paid2.aggregateId}`);
    expect(sub.stdout()).not.toContain(price.id);
    expect(sub.stderr()).not.toMatch(/warning|malformed/);

    sub.child.kill('SIGINT');
    expect(await sub.exited).toEqual({ code: 0, signal: null });
    // The ephemeral consumer is removed on the way out.
    expect(await jsm.consumers.list(stream).next()).toHaveLength(0);
  });

  it('with --durable resumes after a restart, and prints --json envelopes', async () => {
    const durable = `example_${rand()}`;
    const first = start(['--durable', durable, '--json', '--deliver', 'new']);
    await listening(first);
    const a = orderPaid(randomUUID());
    await publish(a);
    await waitFor(() => lines(first).length >= 1, 'the first event');
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const b = orderPaid(randomUUID()); // published while no subscriber runs
    await publish(b);
    const second = start(['--durable', durable, '--json']);
    await listening(second);
    await waitFor(() => lines(second).length >= 1, 'the event published while stopped');
    await new Promise((r) => setTimeout(r, 300)); // nothing else (a) arrives
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);

    expect(lines(first).map((l) => JSON.parse(l) as EventEnvelope)).toEqual([a]);
    expect(lines(second).map((l) => JSON.parse(l) as EventEnvelope)).toEqual([b]);
    await jsm.consumers.delete(stream, durable);
  });
});
