import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QueryTypes } from 'sequelize';
import { newId, observeStatements, platformMigrations } from '@zjmall/platform';
import { createTestEnv, type TestEnv } from '@zjmall/platform/testing';
import { createInventoryService, inventoryMigrations, inventoryModels } from '@zjmall/inventory';
import {
  catalogMigrations,
  catalogModels,
  createCatalogService,
  createSaleAdmitter,
  createSaleService,
  type SaleAdmitter,
  type SaleService,
} from '../index';

const ADMIN = '00000000-0000-7000-8000-00000000ad01';
/** Polls until the assertion holds (generous deadline: the machine is shared). */
const eventually = <T>(fn: () => T | Promise<T>, timeout = 60_000) => vi.waitFor(fn, { timeout, interval: 50 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Statements of the admitter's own tables (queued sales and their tickets, the pass's advisory lock). */
const isSaleSql = (sql: string) => /catalog\.sale|zjmall\.sale:/.test(sql);
/** The admitter's look for open queued sales (at start, once a minute, on setSale). */
const LOOK = /FROM catalog\.sales\s+WHERE queued/;

/**
 * The admitter costs nothing while no queued sale needs it, learns of a sale set while it runs (no
 * restart), and with two admitters running (as in two processes: two sale services, each with its
 * own admitter, passes running at once on their own pool connections) the queue is still admitted
 * once, in ticket order.
 */
describe('sale admitter: idle without a sale, woken by setSale and joins, one admitter at a time', () => {
  let env: TestEnv;
  const procs: { sales: SaleService; admitter: SaleAdmitter }[] = [];
  const statements: string[] = [];
  let stopObserving = () => {};
  let inv: ReturnType<typeof createInventoryService>;
  let catalog: ReturnType<typeof createCatalogService>;

  beforeAll(async () => {
    env = await createTestEnv({
      label: 'saleadmitter',
      modules: [platformMigrations, inventoryMigrations, catalogMigrations],
      env: { SALE_ADMISSION_RATE: '1000', SALE_ADMISSION_GRACE_SECONDS: '600' },
    });
    env.platform.db.addModels([...inventoryModels, ...catalogModels]);
    inv = createInventoryService(env.platform);
    catalog = createCatalogService({ ...env.platform, inventory: inv });
    for (let i = 0; i < 2; i++) {
      const sales = createSaleService({ ...env.platform, inventory: inv });
      procs.push({ sales, admitter: createSaleAdmitter({ sales, log: env.platform.log }) });
    }
    stopObserving = observeStatements((sql) => statements.push(sql), env.platform.db);
  });
  afterAll(async () => {
    for (const p of procs) {
      await p.admitter.stop();
      p.sales.close();
    }
    stopObserving();
    await env?.close();
  });

  const saleSql = () => statements.filter(isSaleSql);

  it('with no queued sale, a running admitter sends no admission statement (one look at start)', async () => {
    for (const p of procs) p.admitter.start();
    // Each admitter looks once at start for open queued sales …
    await eventually(() => expect(saleSql().length).toBeGreaterThanOrEqual(2));
    // … and then sleeps: a poller would have sent a statement every 100 ms meanwhile.
    await sleep(2_000);
    expect(saleSql()).toHaveLength(2);
    for (const sql of saleSql()) expect(sql).toMatch(LOOK);
  }, 120_000);

  it('a sale set while it runs is admitted without a restart, once, in ticket order; over, it sleeps again', async () => {
    const cat = await catalog.createCategory({ name: `c-${newId()}` });
    const p = await catalog.createProduct(
      {
        name: `P ${newId()}`,
        categoryId: cat.id,
        skus: [{ code: `S-${newId()}`, spec: {}, price: 1000, initialStock: 5 }],
      },
      ADMIN,
    );
    await catalog.publish(p.id);
    const skuId = p.skus[0].id;
    const setStock = (quantity: number) =>
      inv.adjust({ skuId, mode: 'SET', quantity, reason: 'count', idempotencyKey: newId(), operator: ADMIN });
    const now = Date.now();
    const window = {
      skuId,
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
    };
    // Set through the second service; both admitters run (and would both admit, were it not for the lock).
    await procs[1].sales.setSale({ ...window, queued: true });

    // 20 customers join, half through each service, a few at a time.
    const users = Array.from({ length: 20 }, () => newId());
    const tickets: { ticketId: string; user: string }[] = [];
    for (let i = 0; i < users.length; i += 4) {
      const batch = users.slice(i, i + 4);
      const got = await Promise.all(batch.map((u, k) => procs[(i + k) % 2].sales.join(u, { skuId, quantity: 1 })));
      got.forEach((t, k) => tickets.push({ ticketId: t.ticketId, user: batch[k] }));
    }
    const rows = async () =>
      env.platform.db.query<{ seq: number; state: string; user_id: string }>(
        `SELECT t.seq, t.state, t.user_id FROM catalog.sale_tickets t JOIN catalog.sales s ON s.id = t.sale_id
          WHERE s.sku_id = $1 ORDER BY t.admitted_at NULLS LAST, t.seq`,
        { bind: [skuId], type: QueryTypes.SELECT },
      );
    // Five units: the first five tickets are admitted (not ten: one pass at a time across processes),
    // and nobody else while they have not added.
    await eventually(async () =>
      expect((await rows()).filter((r) => r.state === 'admitted').map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]),
    );
    await sleep(500);
    expect((await rows()).filter((r) => r.state !== 'waiting').map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);

    // They add (markUsed) and the units are gone: every waiter is told sold out, then two units come
    // back and the next two are admitted — no join wakes anything here, the admitter's own schedule does.
    const admittedUsers = (await rows()).filter((r) => r.state === 'admitted').map((r) => r.user_id);
    // (Stock first: units freed by the adds before it is gone would admit the next in line.)
    await setStock(0);
    for (const u of admittedUsers) await procs[0].sales.markUsed({ type: 'user', id: u }, [skuId]);
    await eventually(async () =>
      expect(new Set((await rows()).filter((r) => r.seq > 5).map((r) => r.state))).toEqual(new Set(['sold_out'])),
    );
    await setStock(2);
    await eventually(async () =>
      expect((await rows()).filter((r) => r.state === 'admitted').map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]),
    );
    expect(tickets).toHaveLength(20);

    // The sale stops being queued: both admitters go back to sleep (the next due pass is far away).
    await procs[0].sales.setSale({ ...window, queued: false });
    // A pass already under way may still finish (the machine may be slow): wait for a quiet 2 s window,
    // which a poller never has. (The once-a-minute look may fall in it; nothing else may.)
    const admissionSql = () => saleSql().filter((sql) => !LOOK.test(sql)).length;
    let quiet = false;
    for (let tries = 0; tries < 10 && !quiet; tries++) {
      const before = admissionSql();
      await sleep(2_000);
      quiet = admissionSql() === before;
    }
    expect(quiet).toBe(true);
  }, 180_000);
});
