import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb, migrateDown, migrateUp, type Db } from '@zjmall/platform';
import { createTestDatabase } from '@zjmall/platform/testing';
import { paymentMigrations } from './index';

/** 0002-payment-return-url adds a nullable column and takes it away again. */
describe('payment migrations', () => {
  let db: Db;
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase('payment_mig');
    db = createDb({ url, poolMax: 2 });
  });
  afterAll(() => db?.close());

  const columns = async () =>
    (
      await db.query<{ column_name: string; is_nullable: string }>(
        `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'payment' AND table_name = 'payments' AND column_name = 'return_url'`,
        { type: QueryTypes.SELECT },
      )
    ).map((c) => [c.column_name, c.is_nullable]);

  it('0002 adds payments.return_url (nullable), and down removes it', async () => {
    expect(await migrateUp(db, url, [paymentMigrations])).toEqual([
      'payment/0001-payment',
      'payment/0002-payment-return-url',
      'payment/0003-payment-channels',
    ]);
    expect(await columns()).toEqual([['return_url', 'YES']]);
    expect(await migrateDown(db, url, [paymentMigrations], { steps: 2 })).toEqual([
      'payment/0003-payment-channels',
      'payment/0002-payment-return-url',
    ]);
    expect(await columns()).toEqual([]);
    expect(await migrateUp(db, url, [paymentMigrations])).toEqual([
      'payment/0002-payment-return-url',
      'payment/0003-payment-channels',
    ]);
    expect(await columns()).toEqual([['return_url', 'YES']]);
  });
});
