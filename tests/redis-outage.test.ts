import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@zjmall/platform';
import { startPrivateRedisServer, type PrivateRedisServer } from '@zjmall/platform/testing';
import { adminClient, buyer, startTestBff, type TestBff } from './support/bff';

/**
 * Redis is optional at run time (issue 16): with its own redis-server frozen or killed, the shop
 * answers from PostgreSQL (cart, product page, add to cart, checkout), /ready stays 200 with
 * "redis" degraded, the rate limit lets requests through and counts them, and a cart changed while
 * Redis was frozen is not served stale from Redis once it answers again.
 */
describe('Redis away under the shop', () => {
  let redis: PrivateRedisServer;
  let bff: TestBff;

  beforeAll(async () => {
    redis = await startPrivateRedisServer();
    bff = await startTestBff({ label: 'redisaway', env: { REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: '100000' } });
  }, 60_000);
  afterAll(async () => {
    await bff?.close();
    await redis?.dispose();
  });

  const ready = async () => {
    const r = await fetch(`${bff.url}/ready`);
    return { status: r.status, body: (await r.json()) as { ok: boolean; degraded: string[]; checks: object } };
  };
  const until = async <T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what}: last ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const failOpenCount = async () => {
    const text = await (await fetch(`${bff.url}/metrics`)).text();
    const m = /^zjmall_rate_limit_fail_open_total (\d+)/m.exec(text);
    return m ? Number(m[1]) : 0;
  };

  it('serves from PostgreSQL while Redis is away and serves nothing stale once it is back', async () => {
    const admin = await adminClient(bff);
    const category = await admin.catalog.admin.createCategory.mutate({ name: `缓存 ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `水杯 ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `CUP-${newId().slice(-10)}`, spec: { color: 'blue' }, price: 3_900, initialStock: 10 }],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    const skuId = product.skus[0].id;
    const { client: me, addressId } = await buyer(bff);

    await me.cart.addItem.mutate({ skuId, quantity: 1 });
    expect((await me.cart.get.query()).totalQuantity).toBe(1); // now cached in Redis
    const available = async () => (await me.catalog.product.query({ id: product.id })).skus[0].available;
    expect(await available()).toBe(9); // the cart holds one; now cached in Redis

    // Frozen (a hung server, a partition): commands time out, the breaker opens.
    redis.pause();
    await until(ready, (r) => r.body.degraded.includes('redis'), '/ready lists redis while it is frozen');
    // The cart changes in PostgreSQL; its cache invalidation cannot reach Redis.
    await me.cart.addItem.mutate({ skuId, quantity: 1 });
    expect((await me.cart.get.query()).totalQuantity).toBe(2);
    expect(await available()).toBe(8);
    redis.resume();
    await until(ready, (r) => r.body.degraded.length === 0, '/ready clear once Redis answers');
    // Past the in-memory copies' lifetime (2 s), so the reads below go to Redis.
    await new Promise((r) => setTimeout(r, 2_500));
    // Redis still holds the cart and the stock as they were (quantity 1, 9 left): they must not come back.
    expect((await me.cart.get.query()).totalQuantity).toBe(2);
    expect(await available()).toBe(8);

    // Dead: every request is still answered, with data, from PostgreSQL.
    const failOpenBefore = await failOpenCount();
    await redis.kill();
    expect(await until(ready, (r) => r.body.degraded.includes('redis'), '/ready lists redis while it is dead')).toEqual(
      {
        status: 200,
        body: {
          ok: true,
          checks: { database: true, redis: false, nats: true },
          degraded: ['redis'],
          pendingConsumers: [],
        },
      },
    );
    expect((await me.catalog.product.query({ id: product.id })).name).toBe(product.name);
    expect((await me.cart.get.query()).totalQuantity).toBe(2);
    const cart = await me.cart.addItem.mutate({ skuId, quantity: 1 });
    expect(cart.totalQuantity).toBe(3);
    const order = await me.order.checkout.mutate({
      addressId,
      expectedPayable: cart.payableAmount,
      idempotencyKey: `co-${newId()}`,
    });
    expect(order.status).toBe('pending_payment');
    expect((await me.cart.get.query()).totalQuantity).toBe(0);
    // The rate limit let those requests through and counted each.
    expect(await failOpenCount()).toBeGreaterThan(failOpenBefore);

    await redis.start();
    await until(ready, (r) => r.body.degraded.length === 0, '/ready clear after the restart');
    expect((await me.cart.get.query()).totalQuantity).toBe(0);
    expect(await available()).toBe(7); // the order holds three
  }, 120_000);
});
