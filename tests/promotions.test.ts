import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { createShopClient } from '@zjmall/client';
import { EVENTS, eventSubject, type EventEnvelope, type PriceChangedV1 } from '@zjmall/contracts';
import { catalogMigrations } from '@zjmall/catalog';
import { inventoryMigrations } from '@zjmall/inventory';
import { createDb, migrateDown, migrateUp, newId, platformMigrations } from '@zjmall/platform';
import { pricingMigrations } from '@zjmall/pricing';
import { createTestDatabase } from '@zjmall/platform/testing';
import { adminClient, startTestBff, type TestBff } from './support/bff';

/**
 * Issue 6's promotional prices, end to end over HTTP against a BFF with its background jobs (the
 * price-job runner and the promotion sweeper) on real PostgreSQL, Redis and NATS: a windowed job
 * shows its price inside the window (catalog, cart, checkout), setSkuPrice meanwhile moves the base
 * only, and the window's end brings the (new) base back, with price_changed on the stream at both
 * boundaries.
 */
describe('promotional prices over HTTP', () => {
  let bff: TestBff;
  let nc: NatsConnection;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'promotions', env: { SWEEP_INTERVAL_SECONDS: '0.2' } });
    nc = await connect({ servers: bff.env.config.NATS_URL! });
  });
  afterAll(async () => {
    await nc?.close();
    await bff?.close();
  });

  const dbNow = async () => {
    const [{ now }] = await bff.env.platform.db.query<{ now: Date }>(`SELECT now() AS now`, {
      type: QueryTypes.SELECT,
    });
    return now.getTime();
  };

  it('a windowed job: promo price in catalog, cart (priceChanged) and checkout; back to the new base after the window', async () => {
    const { config } = bff.env;
    const seen: EventEnvelope<PriceChangedV1>[] = [];
    const consumer = await jetstream(nc).consumers.get(config.NATS_STREAM, {
      filter_subjects: eventSubject(config.NATS_SUBJECT_PREFIX, EVENTS.catalog.priceChanged),
    });
    const messages = await consumer.consume();
    void (async () => {
      for await (const m of messages) seen.push(m.json<EventEnvelope<PriceChangedV1>>());
    })();

    const anon = createShopClient(bff.url);
    const admin = await adminClient(bff);
    const category = await admin.catalog.admin.createCategory.mutate({ name: `促销 ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `蓝牙音箱 ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [
        { code: `SPK-${newId().slice(-10)}`, spec: { color: 'black' }, price: 10_000, initialStock: 20 },
        { code: `SPK-${newId().slice(-10)}`, spec: { color: 'white' }, price: 5_000, initialStock: 20 },
      ],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    const [black, white] = product.skus.map((s) => s.id);

    const me = createShopClient(bff.url, {
      token: (
        await anon.auth.register.mutate({
          email: `buyer.${newId().slice(-8)}@example.com`,
          password: 'buyer password',
          name: '买家',
        })
      ).token,
    });
    const address = await me.address.create.mutate({
      receiver: '买家',
      phone: '13800138000',
      province: '浙江省',
      city: '杭州市',
      district: '西湖区',
      detail: '文三路 1 号',
    });
    await me.cart.addItem.mutate({ skuId: black, quantity: 1 }); // at 100.00
    expect((await anon.catalog.product.query({ id: product.id })).skus[0].price).toBe(10_000); // cached now

    // −20 % on the black SKU, for a window that began a moment ago and ends in 8 s (database clock).
    const now = await dbNow();
    const window = { startsAt: new Date(now - 1000).toISOString(), endsAt: new Date(now + 8000).toISOString() };
    const { jobId } = await admin.pricing.admin.recalculate.mutate({
      rules: [{ adjust: { kind: 'percent', value: -20 } }],
      scope: { skuIds: [black] },
      window,
    });
    await expect
      .poll(async () => (await admin.pricing.admin.job.query({ jobId })).status, { timeout: 10_000, interval: 100 })
      .toBe('completed');

    const promotion = { price: 8_000, startsAt: window.startsAt, endsAt: window.endsAt };
    const during = await anon.catalog.product.query({ id: product.id });
    expect(during.skus.map((s) => [s.price, s.basePrice, s.promotion])).toEqual([
      [8_000, 10_000, promotion],
      [5_000, 5_000, null],
    ]);
    expect((await me.cart.get.query()).items[0]).toMatchObject({
      skuId: black,
      unitPrice: 8_000,
      addedPrice: 10_000,
      priceChanged: true,
    });

    // The base price moves during the promotion; the customer's price does not.
    expect(await admin.catalog.admin.setSkuPrice.mutate({ skuId: black, price: 11_000 })).toMatchObject({
      price: 11_000,
      promotion,
    });
    expect((await anon.catalog.skus.query({ ids: [black] }))[0]).toMatchObject({ price: 8_000, basePrice: 11_000 });

    // Checkout charges the promotional price (order re-prices from the catalog's SKU view).
    const cart = await me.cart.get.query();
    expect(cart.payableAmount).toBe(8_000);
    const order = await me.order.checkout.mutate({
      addressId: address.id,
      expectedPayable: 8_000,
      idempotencyKey: `co-${newId()}`,
    });
    expect(order).toMatchObject({
      payableAmount: 8_000,
      items: [expect.objectContaining({ skuId: black, unitPrice: 8_000 })],
    });
    await me.cart.addItem.mutate({ skuId: black, quantity: 1 }); // at the promotional price

    // After the window: the new base shows everywhere, and the cart line added at 80.00 says so.
    const wait = Date.parse(window.endsAt) - (await dbNow());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await expect
      .poll(async () => (await anon.catalog.product.query({ id: product.id })).skus[0].price, {
        timeout: 3000,
        interval: 50,
      })
      .toBe(11_000);
    expect((await anon.catalog.product.query({ id: product.id })).skus[0].promotion).toBeNull();
    expect((await me.cart.get.query()).items[0]).toMatchObject({
      unitPrice: 11_000,
      addedPrice: 8_000,
      priceChanged: true,
    });

    // price_changed on the stream at both boundaries (the relay publishes the outbox), and no admin one for the hidden base change.
    const ofJob = () => seen.filter((e) => e.aggregateId === jobId);
    await expect.poll(() => ofJob().length, { timeout: 10_000, interval: 100 }).toBe(2);
    expect(ofJob().map((e) => e.data)).toEqual([
      { changes: [{ skuId: black, oldPrice: 10_000, newPrice: 8_000 }], source: 'job', jobId },
      { changes: [{ skuId: black, oldPrice: 8_000, newPrice: 11_000 }], source: 'job', jobId },
    ]);
    expect(seen.filter((e) => e.aggregateId === product.id)).toEqual([]);

    // A window wholly in the future changes nothing now.
    const later = {
      startsAt: new Date((await dbNow()) + 3_600_000).toISOString(),
      endsAt: new Date((await dbNow()) + 7_200_000).toISOString(),
    };
    const future = await admin.pricing.admin.recalculate.mutate({
      rules: [{ adjust: { kind: 'fixed', amount: -1_000 } }],
      scope: { skuIds: [white] },
      window: later,
    });
    await expect
      .poll(async () => (await admin.pricing.admin.job.query({ jobId: future.jobId })).status, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe('completed');
    expect((await admin.pricing.admin.job.query({ jobId: future.jobId })).changed).toBe(1);
    expect((await anon.catalog.skus.query({ ids: [white] }))[0]).toMatchObject({ price: 5_000, promotion: null });
    await new Promise((r) => setTimeout(r, 1000)); // a second (wrong) event would be on the stream by now
    messages.stop();
    expect(seen.filter((e) => e.aggregateId === future.jobId)).toEqual([]);
    expect(ofJob()).toHaveLength(2);
  });
});

describe('promotion migrations', () => {
  it('catalog/0002 and pricing/0002 go down and up again', async () => {
    const url = await createTestDatabase('promo_mig');
    const db = createDb({ url, poolMax: 2 });
    try {
      // catalog's and pricing's migrations up to these (later ones belong to other features)
      const upTo0002 = (m: typeof pricingMigrations) => ({
        ...m,
        migrations: m.migrations.filter((x) => x.name < '0003'),
      });
      const modules = [
        platformMigrations,
        inventoryMigrations,
        upTo0002(catalogMigrations),
        upTo0002(pricingMigrations),
      ];
      const tables = async () =>
        (
          await db.query<{ name: string }>(
            `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
              WHERE table_name IN ('sku_promotions', 'promo_prices') ORDER BY 1`,
            { type: QueryTypes.SELECT },
          )
        ).map((r) => r.name);
      const promoColumns = async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'catalog' AND table_name = 'skus' AND column_name LIKE 'promo_%'`,
            { type: QueryTypes.SELECT },
          )
        )[0].n;
      await migrateUp(db, url, modules);
      expect([await tables(), await promoColumns()]).toEqual([['catalog.sku_promotions'], 4]);
      expect(await migrateDown(db, url, modules, { steps: 3 })).toEqual([
        'pricing/0002-promotions',
        'pricing/0001-pricing',
        'catalog/0002-promotions',
      ]);
      expect([await tables(), await promoColumns()]).toEqual([[], 0]);
      await migrateUp(db, url, modules);
      expect([await tables(), await promoColumns()]).toEqual([['catalog.sku_promotions'], 4]);
      expect(await migrateDown(db, url, modules, { steps: 1 })).toEqual(['pricing/0002-promotions']);
      expect(await tables()).toEqual(['catalog.sku_promotions', 'pricing.promo_prices']);
    } finally {
      await db.close();
    }
  });
});
