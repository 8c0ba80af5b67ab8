import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs, type Jobs } from '@zjmall/api';
import type { ShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { adminClient, buyer, publishedSku, startTestBff, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad09';

async function eventually<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Received {
  path: string;
  event: string;
  delivery: string;
  signature: string;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1; `answer(path, nth)` decides each status (nth counts from 1 per path). */
async function receiver(answer: (path: string, nth: number) => number) {
  const got: Received[] = [];
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '';
      const nth = (counts.get(path) ?? 0) + 1;
      counts.set(path, nth);
      got.push({
        path,
        event: String(req.headers['x-zjmall-event']),
        delivery: String(req.headers['x-zjmall-delivery']),
        signature: String(req.headers['x-zjmall-signature']),
        body,
      });
      res.statusCode = answer(path, nth);
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return { got, url: (path: string) => `http://127.0.0.1:${port}${path}`, close: () => server.close() };
}

const validSignature = (secret: string, r: Received) => {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(r.signature);
  return !!m && createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest('hex') === m[2];
};

/**
 * Outgoing webhooks against a real local receiver (private targets allowed for it). The retry
 * window is 10.8 s here (WEBHOOK_RETRY_HOURS=0.003). The jobs are started by the test so that it
 * can stop and start the delivering side mid-retry.
 */
describe('outgoing webhooks', () => {
  let bff: TestBff;
  let jobs: Jobs | null = null;
  let admin: ShopClient;
  let skuId: string;
  let up = false;
  const rx = receiver((path, nth) => {
    if (path === '/flaky') return nth <= 2 ? 500 : 200;
    if (path === '/restart') return up ? 204 : 503;
    if (path === '/dead') return 500;
    return 200;
  });
  beforeAll(async () => {
    bff = await startTestBff({
      label: 'notifyhooks',
      jobs: false,
      env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_HOURS: '0.003', WEBHOOK_TIMEOUT_SECONDS: '5' },
    });
    jobs = startJobs(bff.env.platform, bff.services);
    admin = await adminClient(bff);
    skuId = await publishedSku(bff, {
      name: '水杯',
      code: `CUP-${newId()}`,
      spec: { c: 'b' },
      price: 2_500,
      stock: 100,
      actor: ADMIN,
    });
  }, 120_000);
  afterAll(async () => {
    await jobs?.stop();
    await bff?.close();
    (await rx).close();
  });

  async function orderEvents() {
    const { client, addressId } = await buyer(bff);
    await client.cart.addItem.mutate({ skuId, quantity: 1 });
    const order = await client.order.checkout.mutate({ addressId, idempotencyKey: `co-${newId()}` });
    await client.order.cancel.mutate({ id: order.id });
    return order;
  }

  it('a receiver failing twice gets the event three times, signed, with one delivery id, then the next event', async () => {
    const r = await rx;
    const hook = await admin.notification.admin.createWebhook.mutate({ url: r.url('/flaky'), events: ['order.*'] });
    const order = await orderEvents();
    const mine = () => r.got.filter((g) => g.path === '/flaky');
    await eventually('four requests', mine, (l) => l.length >= 4);
    const got = mine();
    expect(got.map((g) => g.event)).toEqual(['order.created', 'order.created', 'order.created', 'order.cancelled']);
    expect(new Set(got.slice(0, 3).map((g) => g.delivery)).size).toBe(1);
    expect(got[3].delivery).not.toBe(got[0].delivery);
    expect(got.every((g) => validSignature(hook.secret, g))).toBe(true);
    const envelope = JSON.parse(got[0].body) as { type: string; aggregateId: string; id: string };
    expect(envelope).toMatchObject({ type: 'order.created', aggregateId: order.id });
    const log = await eventually(
      'log',
      () => admin.notification.admin.deliveries.query({ webhookId: hook.id }),
      (p) => p.items.every((d) => d.status === 'succeeded') && p.items.length === 2,
    );
    expect(log.items.map((d) => [d.eventType, d.attempts])).toEqual([
      ['order.cancelled', 1],
      ['order.created', 3],
    ]);
    await admin.notification.admin.deleteWebhook.mutate({ id: hook.id });
  }, 90_000);

  it('stopping the delivering side mid-retry loses nothing: the delivery arrives after the restart', async () => {
    const r = await rx;
    const hook = await admin.notification.admin.createWebhook.mutate({
      url: r.url('/restart'),
      events: ['order.created'],
      secret: 'a shop secret of sixteen+ chars',
    });
    await orderEvents();
    const mine = () => r.got.filter((g) => g.path === '/restart');
    await eventually('first attempt', mine, (l) => l.length >= 1);
    await jobs!.stop();
    jobs = null;
    up = true;
    const before = mine().length;
    jobs = startJobs(bff.env.platform, bff.services);
    await eventually(
      'delivered',
      () => admin.notification.admin.deliveries.query({ webhookId: hook.id }),
      (p) => p.items.some((d) => d.status === 'succeeded'),
    );
    const got = mine();
    expect(got.length).toBeGreaterThan(before);
    expect(new Set(got.map((g) => g.delivery)).size).toBe(1);
    expect(validSignature('a shop secret of sixteen+ chars', got[got.length - 1])).toBe(true);
    await admin.notification.admin.updateWebhook.mutate({ id: hook.id, active: false });
  }, 90_000);

  it('a dead receiver is dead-lettered after the window; admins only; a bad URL is refused naming the field', async () => {
    const r = await rx;
    const hook = await admin.notification.admin.createWebhook.mutate({ url: r.url('/dead'), events: ['*'] });
    expect((await admin.notification.admin.listWebhooks.query()).map((h) => h.id)).toContain(hook.id);
    const { client } = await buyer(bff);
    await client.cart.addItem.mutate({ skuId, quantity: 1 });
    const log = await eventually(
      'dead',
      () => admin.notification.admin.deliveries.query({ webhookId: hook.id }),
      (p) => p.items.some((d) => d.status === 'dead'),
    );
    const dead = log.items.find((d) => d.status === 'dead')!;
    expect(dead.attempts).toBeGreaterThan(1);
    expect(dead.lastStatus).toBe(500);
    await expect(client.notification.admin.listWebhooks.query()).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(
      admin.notification.admin.createWebhook.mutate({ url: 'ftp://example.com/x', events: ['*'] }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST', zodError: { fieldErrors: { url: expect.any(Array) } } } });
  }, 120_000);
});
