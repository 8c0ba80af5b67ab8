import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TRPCClientError } from '@trpc/client';
import { safeChars, type ErrorData } from '@zjmall/contracts';
import { createAppRouter } from '@zjmall/api';
import { listProcedures, type ProcedureInfo } from '@zjmall/bff';
import { createShopClient, type AppRouter, type ShopClient } from '@zjmall/client';
import { signSandbox, SIGNATURE_HEADER } from '@zjmall/payment';
import { newId } from '@zjmall/platform';
import { adminClient, startTestBff, type TestBff } from './support/bff';
import { createFuzzer } from './support/fuzz-input';
import { walkZod } from './support/zod-walk';

/** The fuzz: this many malformed inputs, from this seed (the same inputs on every run). */
const FUZZ_CASES = 2_000;
const FUZZ_SEED = 0x15_0001;
/** Per subscription (each is an SSE stream opened and read to its first event). */
const SSE_CASES = 40;

/**
 * Hostile input never breaks a request (issue 15): every input string carries the shared check
 * (NUL and unpaired surrogates are BAD_REQUEST naming the field, nothing is stored altered), the
 * cases that once answered 500 answer 400 with the field, and a seeded fuzz of every procedure over
 * HTTP never gets a 5xx.
 */
describe('hostile input', () => {
  let bff: TestBff;
  let admin: ShopClient;
  let me: ShopClient;
  let skuId: string;
  let addressId: string;
  let adminToken: string;
  let userToken: string;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'hostile', jobs: false });
    admin = await adminClient(bff);
    const cat = await admin.catalog.admin.createCategory.mutate({ name: `c ${newId().slice(-6)}` });
    const p = await admin.catalog.admin.createProduct.mutate({
      name: `p ${newId().slice(-6)}`,
      categoryId: cat.id,
      skus: [{ code: `HI-${newId().slice(-10)}`, spec: { c: 'x' }, price: 1_000, initialStock: 1_000 }],
    });
    await admin.catalog.admin.publish.mutate({ id: p.id });
    skuId = p.skus[0].id;
    const reg = await createShopClient(bff.url).auth.register.mutate({
      email: `h.${newId().slice(-8)}@example.com`,
      password: 'buyer password',
      name: 'h',
    });
    userToken = reg.token;
    me = createShopClient(bff.url, { token: userToken });
    addressId = (
      await me.address.create.mutate({
        receiver: 'h',
        phone: '13800138000',
        province: 'p',
        city: 'c',
        district: 'd',
        detail: 'x',
      })
    ).id;
    const adminLogin = await adminClientToken(bff);
    adminToken = adminLogin;
  }, 60_000);
  afterAll(() => bff?.close());

  async function adminClientToken(b: TestBff): Promise<string> {
    const email = `fuzz.admin.${newId().slice(-8)}@example.com`;
    await b.services.identity.ensureAdmin(email, 'admin password 1');
    return (await createShopClient(b.url).auth.login.mutate({ email, password: 'admin password 1' })).token;
  }

  /** A call that must fail: its error data. */
  async function refused(call: Promise<unknown>): Promise<ErrorData> {
    const e = await call.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(TRPCClientError);
    return (e as TRPCClientError<AppRouter>).data as ErrorData;
  }
  const badField = (data: ErrorData, field: string) => {
    expect({ code: data.code, httpStatus: data.httpStatus }).toEqual({ code: 'BAD_REQUEST', httpStatus: 400 });
    expect(Object.keys(data.zodError?.fieldErrors ?? {})).toContain(field);
  };

  it('every input string of every procedure carries the shared check (NUL and lone surrogates refused)', () => {
    const bare: string[] = [];
    for (const p of listProcedures(createAppRouter(bff.services))) {
      for (const input of p.inputs) {
        walkZod(input, (node, path) => {
          const def = node._zod.def as unknown as { type: string; checks?: unknown[] };
          if (def.type === 'string' && !def.checks?.includes(safeChars)) bare.push(`${p.path}: ${path || '(input)'}`);
          if (def.type === 'any' || def.type === 'unknown') bare.push(`${p.path}: ${path || '(input)'} is ${def.type}`);
        });
      }
    }
    expect(bare).toEqual([]);
  });

  it('answers the cases that were 500s with 400 naming the field, and changes nothing', async () => {
    const nul = 'key-\u0000-0001';
    badField(await refused(me.cart.addItem.mutate({ skuId, quantity: 1, idempotencyKey: nul })), 'idempotencyKey');
    expect((await me.cart.get.query()).items).toEqual([]);

    await me.cart.addItem.mutate({ skuId, quantity: 2 });
    badField(await refused(me.order.checkout.mutate({ addressId, idempotencyKey: nul })), 'idempotencyKey');
    expect((await me.order.list.query()).items).toEqual([]);
    const order = await me.order.checkout.mutate({ addressId, idempotencyKey: `co-${newId()}` });

    badField(
      await refused(me.payment.create.mutate({ orderId: order.id, channel: 'sandbox_alipay', idempotencyKey: nul })),
      'idempotencyKey',
    );
    badField(await refused(me.order.cancel.mutate({ id: order.id, reason: 'changed \u0000 mind' })), 'reason');
    expect(await me.order.get.query({ id: order.id })).toMatchObject({ status: 'pending_payment' });

    const stockBefore = await admin.inventory.admin.get.query({ skuId });
    badField(
      await refused(
        admin.inventory.admin.adjust.mutate({ skuId, mode: 'ADD', quantity: 5, reason: 'count', idempotencyKey: nul }),
      ),
      'idempotencyKey',
    );
    badField(
      await refused(
        admin.inventory.admin.adjust.mutate({
          skuId,
          mode: 'ADD',
          quantity: 5,
          reason: 'co\u0000unt',
          idempotencyKey: `adj-${newId()}`,
        }),
      ),
      'reason',
    );
    expect((await admin.inventory.admin.get.query({ skuId })).onHand).toBe(stockBefore.onHand);

    const payment = await me.payment.create.mutate({
      orderId: order.id,
      channel: 'sandbox_alipay',
      idempotencyKey: `pay-${newId()}`,
    });
    // The provider's signed callback with a NUL in its transaction id: 400, and the payment stays pending.
    const t = Math.floor(Date.now() / 1000);
    const raw = JSON.stringify({
      paymentId: payment.id,
      transactionId: 'tx\u00001',
      status: 'SUCCESS',
      amount: payment.amount,
      currency: payment.currency,
      timestamp: t,
      nonce: newId(),
    });
    const cb = await fetch(`${bff.url}/payments/callback/sandbox_alipay`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signSandbox(bff.env.config.PAYMENT_CALLBACK_SECRET!, t, raw),
      },
      body: raw,
    });
    expect(cb.status).toBe(400);
    expect(await me.payment.get.query({ id: payment.id })).toMatchObject({ status: 'pending' });

    expect((await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' })).status).toBe(200);
    badField(
      await refused(admin.order.admin.ship.mutate({ id: order.id, carrier: 'S\u0000F', trackingNo: 'SF1' })),
      'carrier',
    );
    expect(await me.order.get.query({ id: order.id })).toMatchObject({ status: 'paid' });
    badField(
      await refused(
        admin.payment.admin.refund.mutate({ paymentId: payment.id, amount: 1, reason: 'r', idempotencyKey: nul }),
      ),
      'idempotencyKey',
    );
    expect(await me.payment.get.query({ id: payment.id })).toMatchObject({ refundedAmount: 0 });
  });

  it('never stores a string altered: NUL and lone surrogates in an address or in jsonb fields are refused, not rewritten', async () => {
    const before = await me.address.list.query();
    for (const receiver of ['a\u0000b', 'a\ud800b', 'a\udfffb', '\udc00']) {
      badField(
        await refused(
          me.address.create.mutate({
            receiver,
            phone: '13800138000',
            province: 'p',
            city: 'c',
            district: 'd',
            detail: 'x',
          }),
        ),
        'receiver',
      );
    }
    badField(await refused(me.address.update.mutate({ id: addressId, detail: 'x\u0000' })), 'detail');
    expect(await me.address.list.query()).toEqual(before);
    // JSON that goes into jsonb (a product's attributes, a price rule's scope): keys and values alike.
    const category = await admin.catalog.admin.createCategory.mutate({ name: `j ${newId().slice(-6)}` });
    const product = (attributes: Record<string, string>) =>
      admin.catalog.admin.createProduct.mutate({
        name: 'j',
        categoryId: category.id,
        attributes,
        skus: [{ code: `J-${newId().slice(-10)}`, spec: { c: 'x' }, price: 1 }],
      });
    for (const attributes of [{ 'ma\u0000terial': 'cotton' }, { material: 'cot\ud800ton' }] as Record<
      string,
      string
    >[]) {
      const data = await refused(product(attributes));
      expect(data.code).toBe('BAD_REQUEST');
      expect(Object.keys(data.zodError?.fieldErrors ?? {}).some((k) => k.startsWith('attributes'))).toBe(true);
    }
    expect((await admin.catalog.admin.products.query({ categoryId: category.id })).items).toEqual([]);
    const rule = {
      scope: { attributes: [{ key: 'color', values: ['re\u0000d'] }] },
      adjust: { kind: 'percent' as const, value: -10 },
    };
    badField(
      await refused(admin.pricing.admin.recalculate.mutate({ rules: [rule] })),
      'rules.0.scope.attributes.0.values.0',
    );

    // A well-formed pair (an emoji) is text like any other and comes back as sent.
    const ok = await me.address.create.mutate({
      receiver: 'a😀b',
      phone: '13800138000',
      province: 'p',
      city: 'c',
      district: 'd',
      detail: 'x',
    });
    expect(ok.receiver).toBe('a😀b');
  });

  it(`answers ${FUZZ_CASES} malformed inputs generated from the procedures' own schemas without a 5xx (seed ${FUZZ_SEED})`, async () => {
    // Queries and mutations over HTTP (subscriptions: the next test). Each call carries a token
    // that passes the procedure's access check, so what is tested is the input's handling.
    const procedures = listProcedures(createAppRouter(bff.services)).filter(
      (p) => p.type !== 'subscription' && p.inputs.length > 0,
    );
    const schemaOf = (p: ProcedureInfo) =>
      z.toJSONSchema(p.inputs[0] as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    const schemas = new Map(procedures.map((p) => [p.path, schemaOf(p)]));
    const fuzz = createFuzzer(FUZZ_SEED);
    const cases = Array.from({ length: FUZZ_CASES }, (_, i) => {
      const p = procedures[i % procedures.length];
      return { p, ...fuzz.mutate(schemas.get(p.path)!) };
    });

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const send = async ({ p, body, what }: (typeof cases)[number]) => {
      const token = p.meta.access === 'admin' ? adminToken : userToken;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const res =
        p.type === 'query'
          ? await fetch(`${bff.url}/trpc/${p.path}?input=${encodeURIComponent(body)}`, { headers })
          : await fetch(`${bff.url}/trpc/${p.path}`, { method: 'POST', headers, body });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) failures.push(`${p.path} (${what}): ${res.status} ${text.slice(0, 300)}`);
      if (res.status === 401 && text.includes('UNAUTHENTICATED'))
        failures.push(`${p.path} (${what}): the token was refused`);
    };
    // Four at a time: a bounded load that still overlaps requests.
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < cases.length) await send(cases[next++]);
      }),
    );
    expect(failures).toEqual([]);
    // The inputs were refused as inputs (no token was refused, see above): most answers are 400s.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(FUZZ_CASES / 2);
    // And the server still answers normally.
    expect((await me.cart.get.query()).id).not.toBeUndefined();
  }, 180_000);

  it(`answers ${SSE_CASES} malformed inputs per subscription over SSE without a 5xx in the stream`, async () => {
    const subscriptions = listProcedures(createAppRouter(bff.services)).filter(
      (p) => p.type === 'subscription' && p.inputs.length > 0,
    );
    expect(subscriptions.length).toBeGreaterThan(0);
    const fuzz = createFuzzer(FUZZ_SEED + 1);
    const failures: string[] = [];
    for (const p of subscriptions) {
      const schema = z.toJSONSchema(p.inputs[0] as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >;
      for (let i = 0; i < SSE_CASES; i++) {
        const { body, what } = fuzz.mutate(schema);
        const token = p.meta.access === 'admin' ? adminToken : userToken;
        const ac = new AbortController();
        const res = await fetch(`${bff.url}/trpc/${p.path}?input=${encodeURIComponent(body)}`, {
          headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
          signal: ac.signal,
        });
        // The first event after `connected`: a value, or the error (the stream's end also ends the wait).
        let text = '';
        if (res.status < 500 && res.body) {
          const reader = res.body.getReader();
          const decoder = new TextDecoder();
          while (
            !/\n\n(event: serialized-error\n)?data: .*\n/.test(text.replace(/^event: connected\ndata: .*\n/, ''))
          ) {
            const { value, done } = await reader.read();
            if (done) break;
            text += decoder.decode(value, { stream: true });
          }
        }
        ac.abort();
        const status = /"httpStatus":(\d+)/.exec(text)?.[1];
        if (res.status >= 500 || Number(status) >= 500 || text.includes('UNAUTHENTICATED'))
          failures.push(`${p.path} (${what}): ${res.status} ${text.slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
