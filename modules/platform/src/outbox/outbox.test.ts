import pg from 'pg';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformMigrations } from '../migrations';
import { createTestEnv, type TestEnv } from '../testing';
import { sleep, waitFor } from '../bus/wait.fixture';
import { createOutbox, OUTBOX_CHANNEL } from './outbox';

describe('outbox.add', () => {
  let env: TestEnv;
  let listener: pg.Client;
  let notifications = 0;
  beforeAll(async () => {
    env = await createTestEnv({ label: 'outbox', modules: [platformMigrations], redis: false, nats: false });
    listener = new pg.Client({ connectionString: env.config.DATABASE_URL });
    await listener.connect();
    listener.on('notification', (n) => {
      if (n.channel === OUTBOX_CHANNEL) notifications++;
    });
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
  });
  afterAll(async () => {
    await listener?.end();
    await env?.close();
  });

  it('writes the events in the caller’s transaction, in order, and wakes the relay only at commit', async () => {
    const outbox = createOutbox();
    const { db } = env.platform;
    const tx = await db.transaction();
    const ids = await outbox.add(tx, [
      { type: 'order.created', aggregateId: 'o1', data: { text: 'quote " and \\ backslash', n: 1 } },
      { type: 'order.paid', aggregateId: 'o1', data: [1, 2], version: 2 },
    ]);
    expect(await outbox.add(tx, [])).toEqual([]);
    await sleep(50);
    expect(notifications).toBe(0);
    const outside = await db.query(`SELECT 1 FROM platform.outbox`, { type: QueryTypes.SELECT });
    expect(outside).toHaveLength(0); // not visible before commit
    await tx.commit();
    await waitFor('notification', () => notifications === 1);

    const rows = await db.query<{ id: string; type: string; version: number; data: unknown; published_at: Date | null }>(
      `SELECT id, type, version, data, published_at FROM platform.outbox ORDER BY seq`,
      { type: QueryTypes.SELECT },
    );
    expect(rows).toEqual([
      { id: ids[0], type: 'order.created', version: 1, data: { text: 'quote " and \\ backslash', n: 1 }, published_at: null },
      { id: ids[1], type: 'order.paid', version: 2, data: [1, 2], published_at: null },
    ]);
  });

  it('rejects an event without a type or with a bad version', async () => {
    const outbox = createOutbox();
    await expect(env.platform.db.transaction((tx) => outbox.add(tx, { type: '', aggregateId: 'a', data: {} }))).rejects.toThrow(/type/);
    await expect(env.platform.db.transaction((tx) => outbox.add(tx, { type: 'x.y', aggregateId: 'a', data: {}, version: 0 }))).rejects.toThrow(/version/);
  });
});
