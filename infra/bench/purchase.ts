import { randomUUID } from 'node:crypto';
import http from 'node:http';

/**
 * The checkout benches' shop client: plain tRPC over node:http, the bench's users and SKUs, and one
 * purchase (cart.addItem → order.checkout → payment.create → the sandbox's approve). Shared by
 * checkout.ts and webhooks.ts. The admin is the bench world's ADMIN_EMAIL/ADMIN_PASSWORD
 * (`bench-admin@example.com` / `bench admin password`).
 */

export class CallFailed extends Error {}

/**
 * The load generator's HTTP: node:http on a keep-alive agent. (fetch cost ≈ 1 ms of this process's
 * CPU per call here — 3.9 ms per order, a quarter of the BFF's own — on a 2-core machine that the
 * BFF, PostgreSQL, Redis and NATS share with it.)
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
export function request(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers:
          body === undefined
            ? headers
            : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One tRPC call over plain HTTP (docs/api.md, Wire): no transformer, `{result: {data}}` or an error. */
export async function call<T>(
  base: string,
  path: string,
  kind: 'query' | 'mutation',
  input: unknown,
  token?: string,
): Promise<T> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const url = `${base}/trpc/${path}`;
  const res =
    kind === 'query'
      ? await request(
          input === undefined ? url : `${url}?input=${encodeURIComponent(JSON.stringify(input))}`,
          'GET',
          headers,
        )
      : await request(url, 'POST', headers, JSON.stringify(input ?? {}));
  const body = res.json as { result?: { data: T }; error?: { message: string; data?: { appCode?: string } } };
  if (res.status !== 200 || !body.result)
    throw new CallFailed(`${path}: ${res.status} ${body.error?.data?.appCode ?? ''} ${body.error?.message ?? ''}`);
  return body.result.data;
}

export async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

export interface Buyer {
  token: string;
  addressId: string;
  busy: boolean;
}

/** The bench admin signs in, makes `skuCount` published SKUs with ample stock and registers `userCount` buyers with an address. */
export async function setup(base: string, skuCount: number, userCount: number) {
  const { token: adminToken } = await call<{ token: string }>(base, 'auth.login', 'mutation', {
    email: 'bench-admin@example.com',
    password: 'bench admin password',
  });
  const category = await call<{ id: string }>(
    base,
    'catalog.admin.createCategory',
    'mutation',
    { name: `bench ${randomUUID().slice(0, 8)}` },
    adminToken,
  );
  const skuIds: string[] = [];
  for (let i = 0; i < skuCount; i++) {
    const p = await call<{ id: string; skus: { id: string }[] }>(
      base,
      'catalog.admin.createProduct',
      'mutation',
      {
        name: `Bench product ${i}`,
        categoryId: category.id,
        skus: [
          {
            code: `BENCH-${i}-${randomUUID().slice(0, 8)}`,
            spec: { size: 'M' },
            price: 1000 + i,
            initialStock: 10_000_000,
          },
        ],
      },
      adminToken,
    );
    await call(base, 'catalog.admin.publish', 'mutation', { id: p.id }, adminToken);
    skuIds.push(p.skus[0].id);
  }
  const buyers: Buyer[] = [];
  const started = Date.now();
  await pool(
    Array.from({ length: userCount }, (_, i) => i),
    16,
    async (i) => {
      const { token } = await call<{ token: string }>(base, 'auth.register', 'mutation', {
        email: `buyer${i}.${randomUUID().slice(0, 8)}@bench.example`,
        password: 'bench buyer password',
        name: `buyer ${i}`,
      });
      const a = await call<{ id: string }>(
        base,
        'address.create',
        'mutation',
        {
          receiver: `买家${i}`,
          phone: '13800138000',
          province: '上海',
          city: '上海',
          district: '浦东',
          detail: `${i} 号`,
        },
        token,
      );
      buyers.push({ token, addressId: a.id, busy: false });
    },
  );
  console.log(`set up ${skuCount} SKUs and ${userCount} users in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { adminToken, skuIds, buyers };
}

/** Time spent in each step (BENCH_STEPS=1 prints the means): where an order's latency goes. */
export const steps = { add: 0, checkout: 0, create: 0, approve: 0, n: 0 };
/** One order start to finish; returns its latency in ms. */
export async function purchase(base: string, b: Buyer, skuId: string): Promise<number> {
  const t0 = performance.now();
  await call(base, 'cart.addItem', 'mutation', { skuId, quantity: 1 }, b.token);
  const t1 = performance.now();
  const order = await call<{ id: string; payableAmount: number }>(
    base,
    'order.checkout',
    'mutation',
    { addressId: b.addressId, idempotencyKey: `co-${randomUUID()}` },
    b.token,
  );
  const t2 = performance.now();
  const pay = await call<{ id: string; amount: number }>(
    base,
    'payment.create',
    'mutation',
    { orderId: order.id, channel: 'sandbox_alipay', idempotencyKey: `pay-${randomUUID()}` },
    b.token,
  );
  const t3 = performance.now();
  if (pay.amount !== order.payableAmount) throw new CallFailed('payment amount differs from the order');
  const res = await request(`${base}/sandbox/pay/${pay.id}/approve`, 'POST', {}, '');
  const body = res.json as { ok: boolean; outcome?: string };
  if (res.status !== 200 || body.outcome !== 'succeeded')
    throw new CallFailed(`approve: ${res.status} ${JSON.stringify(body)}`);
  const t4 = performance.now();
  steps.add += t1 - t0;
  steps.checkout += t2 - t1;
  steps.create += t3 - t2;
  steps.approve += t4 - t3;
  steps.n++;
  return performance.now() - t0;
}
