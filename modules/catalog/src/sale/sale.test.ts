import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SaleTicket } from '@zjmall/contracts';
import { newId, platformMigrations } from '@zjmall/platform';
import { createTestEnv, type TestEnv } from '@zjmall/platform/testing';
import { createInventoryService, inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import { catalogMigrations, catalogModels, createCatalogService, createSaleService, type SaleService } from '../index';

const ADMIN = '00000000-0000-7000-8000-00000000ad01';
/** Polls until the assertion holds (generous deadline: the machine is shared). */
const eventually = <T>(fn: () => T | Promise<T>, o: { timeout?: number } = {}) =>
  vi.waitFor(fn, { timeout: o.timeout ?? 15_000, interval: 50 });

/** Follows a ticket stream in the background, keeping every value it yields. */
function follow(sales: SaleService, userId: string, ticketId: string) {
  const ac = new AbortController();
  const seen: SaleTicket[] = [];
  const done = (async () => {
    for await (const t of sales.watch(userId, ticketId, ac.signal)) seen.push(t);
  })();
  return { seen, last: () => seen.at(-1), stop: () => (ac.abort(), done) };
}

describe('queued sale: admission in issue order, sold out told to every waiter, re-admission, grace', () => {
  let env: TestEnv;
  let sales: SaleService;
  let quick: SaleService;
  let inv: ReturnType<typeof createInventoryService>;
  let catalog: ReturnType<typeof createCatalogService>;
  beforeAll(async () => {
    env = await createTestEnv({
      label: 'sale',
      modules: [platformMigrations, inventoryMigrations, catalogMigrations],
      env: { SALE_ADMISSION_RATE: '1000', SALE_ADMISSION_GRACE_SECONDS: '600' },
    });
    env.platform.db.addModels([...inventoryModels, ...catalogModels]);
    inv = createInventoryService(env.platform);
    catalog = createCatalogService({ ...env.platform, inventory: inv });
    sales = createSaleService({ ...env.platform, inventory: inv });
    // The same sales with a 2 s grace: admissions it makes lapse quickly (the machine may be slow, so
    // only the admissions meant to lapse are made by it).
    quick = createSaleService({
      ...env.platform,
      config: { ...env.platform.config, SALE_ADMISSION_GRACE_SECONDS: 2 },
      inventory: inv,
    });
  });
  afterAll(async () => {
    sales?.close();
    quick?.close();
    await env?.close();
  });

  async function sku(stock: number) {
    const cat = await catalog.createCategory({ name: `c-${newId()}` });
    const p = await catalog.createProduct(
      {
        name: `P ${newId()}`,
        categoryId: cat.id,
        skus: [{ code: `S-${newId()}`, spec: {}, price: 1000, initialStock: stock }],
      },
      ADMIN,
    );
    await catalog.publish(p.id);
    return p.skus[0].id;
  }
  const setStock = (skuId: string, quantity: number) =>
    inv.adjust({ skuId, mode: 'SET', quantity, reason: 'count', idempotencyKey: newId(), operator: ADMIN });
  const state = async (userIds: string[], ticketIds: string[]) =>
    Promise.all(ticketIds.map((t, i) => sales.ticket(userIds[i], t).then((x) => x.state)));

  it('admits in ticket order within the stock, tells every waiter sold out at once, re-admits when units return', async () => {
    const skuId = await sku(10);
    const now = Date.now();
    expect(
      await sales.setSale({
        skuId,
        startsAt: new Date(now - 1000).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        queued: true,
      }),
    ).toMatchObject({ skuId, queued: true, issued: 0 });

    // 300 customers join at once: one ticket each, numbered in the order the server issued them.
    const users = Array.from({ length: 300 }, () => newId());
    const tickets = await Promise.all(users.map((u) => sales.join(u, { skuId, quantity: 1 })));
    expect(new Set(tickets.map((t) => t.ticketId)).size).toBe(300);
    expect(tickets.map((t) => t.position).sort((a, b) => a - b)).toEqual(users.map((_, i) => i + 1));
    expect(tickets.every((t) => t.state === 'waiting')).toBe(true);
    // Joining again answers the same ticket.
    expect((await sales.join(users[0], { skuId, quantity: 3 })).ticketId).toBe(tickets[0].ticketId);
    const order = tickets.map((t, i) => ({ ...t, user: users[i] })).sort((a, b) => a.position - b.position);
    const ids = (from: number, to: number) => order.slice(from, to).map((t) => t.ticketId);
    const us = (from: number, to: number) => order.slice(from, to).map((t) => t.user);

    // Streams of the last and the 15th in line.
    const last = follow(sales, order[299].user, order[299].ticketId);
    const fifteenth = follow(sales, order[14].user, order[14].ticketId);
    await eventually(() => expect(last.last()).toMatchObject({ state: 'waiting', position: 300 }));

    // Not admitted yet: the gate refuses; a guest is never admitted.
    await expect(sales.requireAdmitted({ type: 'user', id: order[0].user }, [skuId])).rejects.toMatchObject({
      appCode: 'NOT_ADMITTED',
      details: { skuId, ticketId: order[0].ticketId, state: 'waiting' },
    });
    await expect(sales.requireAdmitted({ type: 'guest', id: newId() }, [skuId])).rejects.toMatchObject({
      appCode: 'NOT_ADMITTED',
    });

    // 10 units: the first 10 tickets, in order; nobody else while they have not added.
    expect(await sales.admitAll()).toEqual({ admitted: 10, expired: 0 });
    expect(await state(us(0, 11), ids(0, 11))).toEqual([...Array(10).fill('admitted'), 'waiting']);
    expect(await sales.admitAll()).toEqual({ admitted: 0, expired: 0 });
    await sales.requireAdmitted({ type: 'user', id: order[0].user }, [skuId]);
    await eventually(() => expect(fifteenth.last()).toMatchObject({ state: 'waiting', position: 5 }));

    // They buy (their units leave the free stock) — sold out: every waiter is told in one pass.
    for (const u of us(0, 10)) await sales.markUsed({ type: 'user', id: u }, [skuId]);
    await setStock(skuId, 0);
    expect(await sales.admitAll()).toEqual({ admitted: 0, expired: 0 });
    expect(new Set(await state(us(10, 300), ids(10, 300)))).toEqual(new Set(['sold_out']));
    await eventually(() => {
      expect(last.last()).toMatchObject({ state: 'sold_out' });
      expect(fifteenth.last()).toMatchObject({ state: 'sold_out' });
    });
    // A customer who joins after the sell-out is told so by the next pass (not left waiting).
    const late = newId();
    const lateTicket = await sales.join(late, { skuId, quantity: 1 });
    expect(lateTicket).toMatchObject({ state: 'waiting', position: 291 });
    const lateStream = follow(sales, late, lateTicket.ticketId);
    expect(await sales.admitAll()).toEqual({ admitted: 0, expired: 0 });
    expect((await sales.ticket(late, lateTicket.ticketId)).state).toBe('sold_out');
    await eventually(() => expect(lateStream.last()).toMatchObject({ state: 'sold_out' }));
    await lateStream.stop();

    // Two units come back (a cancelled order): the next two in line, then the rest wait again.
    await setStock(skuId, 2);
    expect(await quick.admitAll()).toEqual({ admitted: 2, expired: 0 });
    expect(await state(us(10, 13), ids(10, 13))).toEqual(['admitted', 'admitted', 'waiting']);
    await eventually(() => expect(last.last()).toMatchObject({ state: 'waiting', position: 288 }));

    // Their grace (2 s) passes without an add: expired, and the next two are admitted.
    await eventually(
      async () => {
        await sales.admitAll();
        expect(await state(us(10, 15), ids(10, 15))).toEqual(['expired', 'expired', 'admitted', 'admitted', 'waiting']);
      },
      { timeout: 20_000 },
    );
    await expect(sales.requireAdmitted({ type: 'user', id: order[10].user }, [skuId])).rejects.toMatchObject({
      appCode: 'NOT_ADMITTED',
      details: { state: 'expired' },
    });
    expect((await sales.ticket(order[14].user, order[14].ticketId)).state).toBe('waiting');
    await eventually(() => expect(fifteenth.last()).toMatchObject({ state: 'waiting', position: 1 }));
    await last.stop();
    await fifteenth.stop();
    // Admissions never skipped anyone: admitted_at follows the ticket numbers.
    const rows = await env.platform.db.query<{ seq: number }>(
      `SELECT t.seq FROM catalog.sale_tickets t JOIN catalog.sales s ON s.id = t.sale_id
        WHERE s.sku_id = $1 AND t.admitted_at IS NOT NULL ORDER BY t.admitted_at, t.seq`,
      { bind: [skuId], type: 'SELECT' as never },
    );
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
  });

  it('one customer joining several times at once gets one ticket, and the numbering has no gap', async () => {
    const skuId = await sku(3);
    const now = Date.now();
    await sales.setSale({
      skuId,
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      queued: true,
    });
    const u = newId();
    const same = await Promise.all(Array.from({ length: 8 }, () => sales.join(u, { skuId, quantity: 1 })));
    expect(new Set(same.map((t) => t.ticketId)).size).toBe(1);
    const next = await sales.join(newId(), { skuId, quantity: 1 });
    expect(next.position).toBe(2);
    const rows = await env.platform.db.query<{ seq: number }>(
      `SELECT t.seq FROM catalog.sale_tickets t JOIN catalog.sales s ON s.id = t.sale_id WHERE s.sku_id = $1 ORDER BY seq`,
      { bind: [skuId], type: 'SELECT' as never },
    );
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
  });

  it('SALE_NOT_OPEN before and after the window; the window’s end expires the queue', async () => {
    const skuId = await sku(5);
    const u = newId();
    await expect(sales.join(u, { skuId, quantity: 1 })).rejects.toMatchObject({ appCode: 'SALE_NOT_OPEN' });
    const now = Date.now();
    await sales.setSale({
      skuId,
      startsAt: new Date(now + 3_600_000).toISOString(),
      endsAt: new Date(now + 7_200_000).toISOString(),
      queued: true,
    });
    await expect(sales.join(u, { skuId, quantity: 1 })).rejects.toMatchObject({
      appCode: 'SALE_NOT_OPEN',
      details: { skuId, startsAt: new Date(now + 3_600_000).toISOString() },
    });
    // Not open yet: adds are not gated.
    await sales.requireAdmitted({ type: 'guest', id: newId() }, [skuId]);
    await setStock(skuId, 0);
    await sales.setSale({
      skuId,
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(Date.now() + 4000).toISOString(),
      queued: true,
    });
    const t = await sales.join(u, { skuId, quantity: 1 });
    const stream = follow(sales, u, t.ticketId);
    await eventually(
      async () => {
        await sales.admitAll();
        expect(stream.last()?.state).toBe('expired');
      },
      { timeout: 20_000 },
    );
    await stream.stop();
    // Waiting, then (if a pass ran inside the window) told sold out, then expired at the window's end.
    expect(stream.seen.map((s) => s.state).join()).toMatch(/^waiting,(sold_out,)?expired$/);
    await expect(sales.join(newId(), { skuId, quantity: 1 })).rejects.toMatchObject({ appCode: 'SALE_NOT_OPEN' });
    await sales.requireAdmitted({ type: 'guest', id: newId() }, [skuId]);
  });
});
