import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { QueryTypes } from 'sequelize';
import { createShopClient, type AppRouter } from '@zjmall/client';
import type { SaleTicket } from '@zjmall/contracts';
import { newId } from '@zjmall/platform';
import { adminClient, publishedSku, serviceBuyers, startTestBff, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad06';

const STOCK = 5;
const BUYERS = 30;

const appCode = (e: unknown) => (e instanceof TRPCClientError ? (e as TRPCClientError<AppRouter>).data?.appCode : e);

/**
 * A queued sale over HTTP with the BFF's own admitter: buyers join, follow their ticket over SSE,
 * and buy when admitted. Exactly STOCK units sold, admissions in ticket order, every other waiter
 * told sold out; a cancelled order admits the next in line; no ticket, no add.
 */
describe('queued sale over HTTP', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'salequeue', env: { SALE_ADMISSION_RATE: '20', DB_POOL_MAX: '20' } });
  });
  afterAll(() => bff?.close(), 120_000);

  it(`${STOCK} units, ${BUYERS} buyers: ${STOCK} sold in ticket order, the rest told sold out, a cancel re-admits`, async () => {
    const admin = await adminClient(bff);
    const skuId = await publishedSku(bff, {
      name: `排队商品 ${newId().slice(-6)}`,
      code: `Q-${newId().slice(-10)}`,
      spec: {},
      price: 9_900,
      stock: STOCK,
      actor: ADMIN,
    });
    const now = Date.now();
    await admin.catalog.admin.setSale.mutate({
      skuId,
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      queued: true,
    });

    const buyers = await serviceBuyers(bff, BUYERS, 'q');
    // No ticket, no add: neither a customer nor a guest.
    await expect(buyers[0].client.cart.addItem.mutate({ skuId, quantity: 1 })).rejects.toSatisfy(
      (e) => appCode(e) === 'NOT_ADMITTED',
    );
    const { token: guestToken } = await createShopClient(bff.url).auth.guest.mutate({});
    await expect(
      createShopClient(bff.url, { token: guestToken }).cart.addItem.mutate({ skuId, quantity: 1 }),
    ).rejects.toSatisfy((e) => appCode(e) === 'NOT_ADMITTED');

    const admittedOrder: number[] = [];
    const orders: string[] = [];
    const told = new Set<number>();
    const states = new Map<number, SaleTicket['state']>();
    const subs: { unsubscribe(): void }[] = [];
    const tickets = await Promise.all(buyers.map((b) => b.client.sale.join.mutate({ skuId, quantity: 1 })));
    // The issue order, from the table (a position read while the admitter already ran would be shifted).
    const rows = await bff.env.platform.db.query<{ id: string; seq: number }>(
      `SELECT id, seq FROM catalog.sale_tickets WHERE id = ANY($1::uuid[])`,
      { bind: [tickets.map((t) => t.ticketId)], type: QueryTypes.SELECT },
    );
    const seqs = new Map(rows.map((r) => [r.id, r.seq]));
    const seqOf = (t: SaleTicket) => seqs.get(t.ticketId)!;
    await Promise.all(
      buyers.map(
        (b, i) =>
          new Promise<void>((subscribed) => {
            const sub = b.client.sale.onTicket.subscribe(
              { ticketId: tickets[i].ticketId },
              {
                onStarted: () => subscribed(),
                onData: (t) => {
                  states.set(i, t.state);
                  if (t.state === 'sold_out') told.add(i);
                  if (t.state !== 'admitted' || admittedOrder.includes(seqOf(tickets[i]))) return;
                  admittedOrder.push(seqOf(tickets[i]));
                  void (async () => {
                    await b.client.cart.addItem.mutate({ skuId, quantity: 1 });
                    const o = await b.client.order.checkout.mutate({ addressId: b.addressId, idempotencyKey: newId() });
                    orders.push(o.id);
                  })();
                },
              },
            );
            subs.push(sub);
          }),
      ),
    );
    try {
      await expect.poll(() => orders.length, { timeout: 60_000, interval: 100 }).toBe(STOCK);
      await expect.poll(() => told.size, { timeout: 60_000, interval: 100 }).toBe(BUYERS - STOCK);
      // Who was admitted: the first five tickets (streams of one pass may arrive in any order).
      expect([...admittedOrder].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
      const stock = await bff.services.inventory.getAdminOne(skuId);
      expect(stock).toMatchObject({ onHand: STOCK, reserved: STOCK });

      // A cancelled order gives its unit back: the next ticket in line (6) is admitted and buys it.
      const first = buyers[tickets.findIndex((t) => seqOf(t) === 1)];
      const [mine] = (await first.client.order.list.query({})).items;
      await first.client.order.cancel.mutate({ id: mine.id });
      await expect.poll(() => orders.length, { timeout: 60_000, interval: 100 }).toBe(STOCK + 1);
      expect(admittedOrder.at(-1)).toBe(6);
      // Across passes, admission followed the ticket numbers.
      const admitted = await bff.env.platform.db.query<{ seq: number }>(
        `SELECT seq FROM catalog.sale_tickets WHERE id = ANY($1::uuid[]) AND admitted_at IS NOT NULL
          ORDER BY admitted_at, seq`,
        { bind: [tickets.map((t) => t.ticketId)], type: QueryTypes.SELECT },
      );
      expect(admitted.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      await expect
        .poll(() => [...states.values()].filter((s) => s === 'sold_out').length, { timeout: 60_000, interval: 100 })
        .toBe(BUYERS - STOCK - 1);
      expect((await bff.services.inventory.getAdminOne(skuId)).reserved).toBe(STOCK);
    } finally {
      for (const s of subs) s.unsubscribe();
    }
  });
});
