import { TRPCClientError } from '@trpc/client';
import { newId } from '@zjmall/platform';
import type { ShopClient } from '@zjmall/client';
import type { World } from './world';

/** Requests of a scenario: counts, errors by kind, latencies inside and outside the fault windows. */
export class Recorder {
  requests = 0;
  readonly errors = new Map<string, number>();
  readonly faultMs: number[] = [];
  readonly calmMs: number[] = [];
  /** Set while a fault is in force. */
  fault = false;

  async call<T>(fn: () => Promise<T>): Promise<T> {
    const inFault = this.fault;
    const t0 = performance.now();
    this.requests++;
    try {
      return await fn();
    } catch (e) {
      const kind = errorKind(e);
      this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
      throw e;
    } finally {
      (inFault || this.fault ? this.faultMs : this.calmMs).push(performance.now() - t0);
    }
  }

  /** Forgets what was recorded so far (the set-up before the load). */
  reset(): void {
    this.requests = 0;
    this.errors.clear();
    this.faultMs.length = 0;
    this.calmMs.length = 0;
  }

  errorCount(kinds?: string[]): number {
    let n = 0;
    for (const [k, v] of this.errors) if (!kinds || kinds.includes(k)) n += v;
    return n;
  }
}

export function errorKind(e: unknown): string {
  if (e instanceof TRPCClientError) {
    const data = e.data as { appCode?: string; code?: string } | undefined;
    if (data?.appCode) return data.appCode;
    if (data?.code) return data.code;
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof Error && /abort|timeout/i.test(cause.name + cause.message)) return 'timeout';
    return 'network';
  }
  if (e instanceof Error && /abort|timeout/i.test(e.name + e.message)) return 'timeout';
  return 'network';
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Transport failures (a process killed, a timeout): the same call may be sent again, with the same key. */
export const transient = (e: unknown) => ['network', 'timeout', 'SERVICE_UNAVAILABLE'].includes(errorKind(e));

/** Calls `fn(i)` with i = 0, 1, … until it succeeds, a non-transient error, or `tries` (spread over the BFFs). */
export async function withRetries<T>(rec: Recorder, tries: number, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await rec.call(() => fn(i));
    } catch (e) {
      if (!transient(e) || i + 1 >= tries) throw e;
      await new Promise((r) => setTimeout(r, 200 + i * 300));
    }
  }
}

export interface Buyer {
  token: string;
  addressId: string;
  clients: ShopClient[];
}

/** A signed-up customer with an address, and a client of theirs for each BFF. */
export async function signUp(w: World, rec: Recorder, bff = 0): Promise<Buyer> {
  const reg = await withRetries(rec, 5, (i) =>
    w.client((bff + i) % w.bffs.length).auth.register.mutate({
      email: `buyer.${newId().slice(-12)}@example.com`,
      password: 'buyer password',
      name: '买家',
    }),
  );
  const clients = w.bffs.map((_, i) => w.client(i, reg.token));
  const address = await withRetries(rec, 5, (i) =>
    clients[(bff + i) % clients.length].address.create.mutate({
      receiver: '买家',
      phone: '13800138000',
      province: '浙江省',
      city: '杭州市',
      district: '西湖区',
      detail: '文三路 1 号',
    }),
  );
  return { token: reg.token, addressId: address.id, clients };
}

/** A published product with one SKU; its id. */
export async function product(w: World, stock: number, price = 9_900): Promise<{ productId: string; skuId: string }> {
  const category = await w.admin.catalog.admin.createCategory.mutate({ name: `混沌 ${newId().slice(-6)}` });
  const p = await w.admin.catalog.admin.createProduct.mutate({
    name: `秒杀 ${newId().slice(-6)}`,
    categoryId: category.id,
    skus: [{ code: `CHAOS-${newId().slice(-10)}`, spec: { size: 'M' }, price, initialStock: stock }],
  });
  await w.admin.catalog.admin.publish.mutate({ id: p.id });
  return { productId: p.id, skuId: p.skus[0].id };
}

/** What one buyer of a sale ended with. */
export interface Purchase {
  orderId?: string;
  paid: boolean;
}

/**
 * One buyer's sale: add 1 to the cart, check out, pay through the sandbox, each step retried with
 * the same idempotency key on the next BFF after a transport failure. Domain refusals (sold out) end it.
 */
export async function buyOne(w: World, rec: Recorder, b: Buyer, skuId: string, bff: number): Promise<Purchase> {
  const on = (i: number) => b.clients[(bff + i) % b.clients.length];
  const addKey = `add-${newId()}`;
  const coKey = `co-${newId()}`;
  const payKey = `pay-${newId()}`;
  try {
    await withRetries(rec, 6, (i) => on(i).cart.addItem.mutate({ skuId, quantity: 1, idempotencyKey: addKey }));
    const order = await withRetries(rec, 6, (i) =>
      on(i).order.checkout.mutate({ addressId: b.addressId, idempotencyKey: coKey }),
    );
    const payment = await withRetries(rec, 6, (i) =>
      on(i).payment.create.mutate({ orderId: order.id, channel: 'sandbox_alipay', idempotencyKey: payKey }),
    );
    await withRetries(rec, 6, async (i) => {
      const r = await fetch(`${w.bffs[(bff + i) % w.bffs.length].url}/sandbox/pay/${payment.id}/approve`, {
        method: 'POST',
        signal: AbortSignal.timeout(10_000),
      });
      if (r.status >= 500) throw new Error(`approve answered ${r.status}`);
      return r;
    });
    return { orderId: order.id, paid: true };
  } catch {
    return { paid: false };
  }
}
