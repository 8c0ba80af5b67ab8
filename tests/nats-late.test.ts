import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { createShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { createTestDatabase, startPrivateNatsServer, type PrivateNatsServer } from '@zjmall/platform/testing';
import { buyer, freePort, spawnBff, type BffProcess } from './support/bff';

/**
 * NATS is optional at run time, at startup too (issue 16): a BFF process (`npm start`'s entry,
 * running the jobs) starts and serves while its NATS server does not exist yet; /ready says 200
 * with NATS degraded and the durable consumers pending; once a nats-server comes up on that
 * address, the process connects by itself, creates the stream, registers every consumer, the
 * relay publishes the outbox backlog once each, and the reaction to an order cancelled meanwhile
 * (its pending payment closed) happens.
 */
const envFor = (dbUrl: string, natsUrl: string, stream: string, admin: { email: string; password: string }) => ({
  NODE_ENV: 'test',
  DATABASE_URL: dbUrl,
  NATS_URL: natsUrl,
  NATS_STREAM: stream,
  NATS_SUBJECT_PREFIX: stream.toLowerCase(),
  JWT_SECRET: randomBytes(32).toString('hex'),
  PAYMENT_CALLBACK_SECRET: randomBytes(32).toString('hex'),
  ADMIN_EMAIL: admin.email,
  ADMIN_PASSWORD: admin.password,
  PASSWORD_HASH_COST: '10',
  SANDBOX_PAYMENTS: 'true',
  SEED_DEMO: 'false',
  RATE_LIMIT_PER_MINUTE: '0',
  LOG_LEVEL: 'info',
  LOG_REQUESTS: 'false',
});

describe('a process started before NATS', () => {
  let nats: PrivateNatsServer;
  let bff: BffProcess;
  let db: pg.Pool;
  const stream = `ZJLATE_${randomBytes(4).toString('hex')}`.toUpperCase();
  const admin = { email: `late.admin.${newId().slice(-8)}@example.com`, password: 'late admin password' };

  beforeAll(async () => {
    nats = await startPrivateNatsServer({ started: false });
    const dbUrl = await createTestDatabase('natslate');
    db = new pg.Pool({ connectionString: dbUrl, max: 2 });
    bff = await spawnBff(envFor(dbUrl, nats.url, stream, admin), 120_000);
  }, 180_000);
  afterAll(async () => {
    const code = await bff?.stop();
    await db?.end();
    await nats?.dispose();
    expect(code).toBe(0);
  }, 60_000);

  const ready = async () => {
    const r = await fetch(`${bff.url}/ready`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const until = async <T>(what: string, ms: number, fn: () => Promise<T | null>): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v !== null) return v;
      if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms; BFF output:\n${bff.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('serves without NATS, then registers its consumers and drains the outbox into the stream once NATS comes', async () => {
    // Serving: NATS degraded, every durable consumer of its jobs pending.
    const away = await until('/ready listing the pending consumers', 60_000, async () => {
      const r = await ready();
      return (r.body.pendingConsumers as string[]).includes('payment-close-on-order-cancelled') ? r : null;
    });
    expect(away).toEqual({
      status: 200,
      body: {
        ok: true,
        checks: { database: true, nats: false },
        degraded: ['nats'],
        pendingConsumers: expect.arrayContaining(['payment-close-on-order-cancelled']),
      },
    });

    // A customer orders, starts a payment and cancels, all while NATS has never been there.
    const { token } = await createShopClient(bff.url).auth.login.mutate(admin);
    const adminClient = createShopClient(bff.url, { token });
    const category = await adminClient.catalog.admin.createCategory.mutate({ name: `迟到 ${newId().slice(-6)}` });
    const product = await adminClient.catalog.admin.createProduct.mutate({
      name: `台灯 ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `LATE-${newId().slice(-10)}`, spec: { color: 'white' }, price: 12_900, initialStock: 3 }],
    });
    await adminClient.catalog.admin.publish.mutate({ id: product.id });
    const { client: me, addressId } = await buyer(bff);
    await me.cart.addItem.mutate({ skuId: product.skus[0].id, quantity: 1 });
    const order = await me.order.checkout.mutate({ addressId, idempotencyKey: `co-${newId()}` });
    const payment = await me.payment.create.mutate({
      orderId: order.id,
      channel: 'sandbox_alipay',
      idempotencyKey: `pay-${newId()}`,
    });
    await me.order.cancel.mutate({ id: order.id });
    expect(await me.payment.get.query({ id: payment.id })).toMatchObject({ status: 'pending' });
    const [{ n: waiting }] = (
      await db.query(`SELECT count(*)::int AS n FROM platform.outbox WHERE published_at IS NULL`)
    ).rows as { n: number }[];
    expect(waiting).toBeGreaterThan(0);
    expect((await ready()).body.degraded).toEqual(['nats']);

    // NATS comes for the first time.
    await nats.start();
    await until('every consumer registered', 90_000, async () => {
      const r = await ready();
      return r.status === 200 &&
        (r.body.pendingConsumers as string[]).length === 0 &&
        (r.body.degraded as string[]).length === 0
        ? r
        : null;
    });
    expect(await ready()).toEqual({
      status: 200,
      body: { ok: true, checks: { database: true, nats: true }, degraded: [], pendingConsumers: [] },
    });
    await until('the payment of the order cancelled before NATS came closed', 90_000, async () =>
      (await me.payment.get.query({ id: payment.id })).status === 'closed' ? true : null,
    );
    await until('the outbox drained', 60_000, async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM platform.outbox WHERE published_at IS NULL`);
      return (rows[0] as { n: number }).n === 0 ? true : null;
    });

    // Every outbox row is in the stream exactly once (its id is the message's Nats-Msg-Id).
    const ids = (await db.query(`SELECT id FROM platform.outbox`)).rows.map((r: { id: string }) => r.id);
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(stream);
      expect(info.state.messages).toBe(ids.length);
      const seen: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(stream, { seq });
        seen.push(m?.header.get('Nats-Msg-Id') ?? '');
      }
      expect(seen.sort()).toEqual([...ids].sort());
      // The durable consumers exist in the stream, payment's among them.
      const names: string[] = [];
      for await (const c of jsm.consumers.list(stream)) names.push(c.config.durable_name ?? '');
      expect(names).toContain('payment-close-on-order-cancelled');
    } finally {
      await nc.close();
    }
  }, 300_000);
});

describe('a process whose NATS never comes', () => {
  it('stops cleanly (exit 0) while it is still dialing', async () => {
    const dbUrl = await createTestDatabase('natsnever');
    // A port nothing listens on.
    const url = `nats://127.0.0.1:${await freePort()}`;
    const bff = await spawnBff(
      envFor(dbUrl, url, `ZJNEVER_${randomBytes(4).toString('hex')}`.toUpperCase(), {
        email: `never.${newId().slice(-8)}@example.com`,
        password: 'never admin password',
      }),
      120_000,
    );
    const r = await fetch(`${bff.url}/ready`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, checks: { nats: false }, degraded: ['nats'] });
    // stop() sends SIGTERM and only resorts to SIGKILL (exit code null) after 20 s.
    expect(await bff.stop()).toBe(0);
  }, 180_000);
});
