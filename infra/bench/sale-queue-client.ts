import { randomUUID } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { createShopClient, type AppRouter } from '@zjmall/client';

/**
 * One client process of infra/bench/sale-queue.ts (forked by it, with IPC): its share of the buyers,
 * each with its own token and its own connections. The parent sends one `ClientJob`; this process
 * reports every step as a `ClientEvent` (wall-clock times: every process of the bench reads the same
 * clock) and, on `stop`, closes its streams and exits.
 *
 * - `queued`: join the sale (`width` joins at a time), follow the ticket over SSE (`sale.onTicket`,
 *   one stream per buyer), and when admitted add one unit and check out, then try a second unit
 *   (refused: the SKU's purchase limit is 1).
 * - `direct` (the baseline, no queue): every buyer adds one unit and checks out at once (`width` at a
 *   time); INSUFFICIENT_STOCK is the expected "no"; a buyer who bought tries a second unit too.
 */
export interface ClientJob {
  mode: 'queued' | 'direct';
  base: string;
  skuId: string;
  width: number;
  buyers: { i: number; token: string; addressId: string }[];
}

export type ClientEvent =
  | { k: 'joined'; i: number; t: number }
  | { k: 'streaming'; i: number }
  | { k: 'state'; i: number; state: string; t: number }
  | { k: 'added'; i: number; t: number }
  | { k: 'bought'; i: number; t: number }
  | { k: 'refused'; i: number; appCode: string; t: number }
  | { k: 'limited'; i: number }
  | { k: 'failed'; i: number; error: string }
  | { k: 'retried'; i: number; step: string; why: string }
  | { k: 'ready' }
  | { k: 'done' };

const send = (e: ClientEvent) => process.send!(e);
const appCode = (e: unknown) =>
  e instanceof TRPCClientError ? ((e as TRPCClientError<AppRouter>).data?.appCode ?? null) : null;

/** The error and its causes (`fetch failed` ← `UND_ERR_CONNECT_TIMEOUT …`). */
function why(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e; x instanceof Error && parts.length < 4; x = x.cause) {
    const code = (x as { code?: unknown }).code;
    parts.push(`${x.message}${typeof code === 'string' ? ` [${code}]` : ''}`);
  }
  return parts.join(' ← ') || String(e);
}

/**
 * A request that got no answer (the connection failed or was dropped: no HTTP status) is sent again,
 * as a real client would, with the same input — join answers the same ticket, add and checkout
 * carry idempotency keys — up to 5 times; each retry is reported. An answer, even an error, is final.
 */
async function retrying<T>(i: number, step: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const answered = e instanceof TRPCClientError && (e as TRPCClientError<AppRouter>).data?.httpStatus;
      if (answered || attempt >= 5) throw e;
      send({ k: 'retried', i, step, why: why(e) });
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const subs: { unsubscribe(): void }[] = [];

async function run(job: ClientJob) {
  const buy = async (c: ReturnType<typeof createShopClient>, b: ClientJob['buyers'][number]) => {
    const addKey = randomUUID();
    const checkoutKey = randomUUID();
    try {
      await retrying(b.i, 'add', () =>
        c.cart.addItem.mutate({ skuId: job.skuId, quantity: 1, idempotencyKey: addKey }),
      );
      send({ k: 'added', i: b.i, t: Date.now() });
      await retrying(b.i, 'checkout', () =>
        c.order.checkout.mutate({ addressId: b.addressId, idempotencyKey: checkoutKey }),
      );
      send({ k: 'bought', i: b.i, t: Date.now() });
      // The SKU has a purchase limit of 1: a second unit is refused (PURCHASE_LIMIT), even while the
      // ticket is still admitted.
      try {
        await retrying(b.i, 'second add', () => c.cart.addItem.mutate({ skuId: job.skuId, quantity: 1 }));
        send({ k: 'failed', i: b.i, error: 'a second unit was added past a purchase limit of 1' });
      } catch (e) {
        if (appCode(e) === 'PURCHASE_LIMIT') send({ k: 'limited', i: b.i });
        else throw e;
      }
    } catch (e) {
      const code = appCode(e);
      if (code === 'INSUFFICIENT_STOCK') send({ k: 'refused', i: b.i, appCode: code, t: Date.now() });
      else send({ k: 'failed', i: b.i, error: `${code ?? ''} ${why(e)}` });
    }
  };

  if (job.mode === 'direct') {
    await pool(job.buyers, job.width, (b) => buy(createShopClient(job.base, { token: b.token }), b));
    send({ k: 'done' });
    return;
  }

  await pool(job.buyers, job.width, async (b) => {
    const c = createShopClient(job.base, { token: b.token });
    let ticketId: string;
    try {
      ticketId = (await retrying(b.i, 'join', () => c.sale.join.mutate({ skuId: job.skuId, quantity: 1 }))).ticketId;
    } catch (e) {
      send({ k: 'failed', i: b.i, error: `join: ${why(e)}` });
      return;
    }
    send({ k: 'joined', i: b.i, t: Date.now() });
    let last = '';
    let admitted = false;
    subs.push(
      c.sale.onTicket.subscribe(
        { ticketId },
        {
          onStarted: () => send({ k: 'streaming', i: b.i }),
          onData: (x) => {
            if (x.state !== last) send({ k: 'state', i: b.i, state: x.state, t: Date.now() });
            last = x.state;
            if (x.state !== 'admitted' || admitted) return;
            admitted = true;
            void buy(c, b);
          },
          onError: (e) => send({ k: 'failed', i: b.i, error: `stream: ${why(e)}` }),
        },
      ),
    );
  });
  send({ k: 'done' });
}

process.on('message', (m: ClientJob | 'stop') => {
  if (m === 'stop') {
    for (const s of subs) s.unsubscribe();
    process.disconnect();
    setTimeout(() => process.exit(0), 200).unref();
    return;
  }
  run(m).catch((e: unknown) => {
    send({ k: 'failed', i: -1, error: String(e) });
    send({ k: 'done' });
  });
});
send({ k: 'ready' });
