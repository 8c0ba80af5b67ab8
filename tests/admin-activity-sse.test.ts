import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { createShopClient, type AppRouter, type ShopClient } from '@zjmall/client';
import type { AdminActivity, ErrorData } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { publishedSku, spawnBff, startTestBff, type BffProcess, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad04';

/**
 * admin.onActivity over real SSE: an admin watches on a BFF that runs no jobs while a customer
 * orders and pays through another (whose relay publishes the events): the watcher can only learn
 * of them over NATS.
 */
describe('admin.onActivity', () => {
  let bff: TestBff;
  let second: BffProcess;
  let skuId: string;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'adminactivity' });
    second = await spawnBff({ ...bff.env.childEnv, RUN_JOBS: 'false' });
    skuId = await publishedSku(bff, {
      name: '台灯',
      code: `AA-${newId()}`,
      spec: { c: 'white' },
      price: 12_900,
      stock: 5,
      actor: ADMIN,
    });
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await bff?.close();
  });

  async function signIn(url: string, role: 'admin' | 'customer'): Promise<ShopClient> {
    const email = `act.${role}.${newId().slice(-8)}@example.com`;
    const password = 'activity password';
    if (role === 'admin') await bff.services.identity.ensureAdmin(email, password);
    else await createShopClient(url).auth.register.mutate({ email, password, name: '买家' });
    const { token } = await createShopClient(url).auth.login.mutate({ email, password });
    return createShopClient(url, { token });
  }

  /** Subscribes and resolves once the stream is connected; `seen` fills as messages arrive. */
  function watch(client: ShopClient) {
    const seen: AdminActivity[] = [];
    let failed: unknown = null;
    let started!: () => void;
    const connected = new Promise<void>((ok) => (started = ok));
    const sub = client.admin.onActivity.subscribe(undefined, {
      onStarted: () => started(),
      onData: (a) => seen.push(a),
      onError: (e) => {
        failed = e;
        started();
      },
    });
    const until = async (what: string, pred: (a: AdminActivity[]) => boolean) => {
      const deadline = Date.now() + 15_000;
      while (!pred(seen)) {
        if (failed !== null) throw new Error(`subscription failed: ${String(failed)}`);
        if (Date.now() > deadline)
          throw new Error(`no ${what} within 15 s; seen ${seen.map((a) => a.type).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return { seen, connected, until, failed: () => failed, stop: () => sub.unsubscribe() };
  }

  it('streams a new order’s order.created, then its payment’s payment.succeeded and order.paid, to an admin on another process', async () => {
    const admin = watch(await signIn(second.url, 'admin'));
    try {
      await admin.connected;
      expect(admin.failed()).toBeNull();
      const buyer = await signIn(bff.url, 'customer');
      const address = await buyer.address.create.mutate({
        receiver: '买家',
        phone: '13800138000',
        province: '浙江省',
        city: '杭州市',
        district: '西湖区',
        detail: '文三路 1 号',
      });
      await buyer.cart.addItem.mutate({ skuId, quantity: 1 });
      const order = await buyer.order.checkout.mutate({ addressId: address.id, idempotencyKey: `co-${newId()}` });
      const mine = (a: AdminActivity[]) => a.filter((x) => x.orderId === order.id);
      await admin.until('order.created', (a) => mine(a).some((x) => x.type === 'order.created'));

      const payment = await buyer.payment.create.mutate({
        orderId: order.id,
        channel: 'sandbox_alipay',
        idempotencyKey: `pay-${newId()}`,
      });
      expect((await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' })).status).toBe(200);
      await admin.until('payment.succeeded and order.paid', (a) =>
        ['payment.succeeded', 'order.paid'].every((t) => mine(a).some((x) => x.type === t)),
      );

      const created = mine(admin.seen).find((x) => x.type === 'order.created')!;
      expect(created).toMatchObject({ aggregateId: order.id, orderId: order.id });
      expect(Date.parse(created.at)).not.toBeNaN();
      const succeeded = mine(admin.seen).find((x) => x.type === 'payment.succeeded')!;
      expect(succeeded).toMatchObject({ aggregateId: payment.id, orderId: order.id });
      const types = mine(admin.seen).map((x) => x.type);
      expect(types.indexOf('order.created')).toBeLessThan(types.indexOf('payment.succeeded'));
      expect(new Set(admin.seen.map((x) => x.id)).size).toBe(admin.seen.length); // each event once
      // Only order and payment events.
      expect(admin.seen.every((x) => /^(order|payment)\./.test(x.type))).toBe(true);
    } finally {
      admin.stop();
    }
  });

  it('refuses a customer (FORBIDDEN) and a visitor (UNAUTHORIZED): nothing is streamed', async () => {
    for (const [client, code] of [
      [await signIn(second.url, 'customer'), 'FORBIDDEN'],
      [createShopClient(second.url), 'UNAUTHORIZED'],
    ] as const) {
      const w = watch(client);
      try {
        const deadline = Date.now() + 15_000;
        while (w.failed() === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const err = w.failed();
        expect(err).toBeInstanceOf(TRPCClientError);
        expect(((err as TRPCClientError<AppRouter>).data as ErrorData).code).toBe(code);
        expect(w.seen).toEqual([]);
      } finally {
        w.stop();
      }
    }
  });
});
