import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { createDb, type Db } from './db/sequelize';
import { migrateUp } from './db/migrator';
import { platformMigrations } from './migrations';
import { createTestDatabase } from './testing/database';
import { stableJson, withIdempotency } from './idempotency';
import { DomainError } from './errors';

describe('withIdempotency', () => {
  let db: Db;
  beforeAll(async () => {
    const url = await createTestDatabase('idem');
    db = createDb({ url, poolMax: 12 });
    await migrateUp(db, url, [platformMigrations]);
    await db.query('CREATE TABLE public.effects (id serial PRIMARY KEY, k text NOT NULL)');
  });
  afterAll(() => db?.close());

  const effects = async (k: string) =>
    (
      await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.effects WHERE k = $1', {
        bind: [k],
        type: QueryTypes.SELECT,
      })
    )[0].n;
  const act = (k: string, input: unknown, scope = 'user:1:demo') =>
    withIdempotency(db, { scope, key: k, input }, async (tx) => {
      await db.query('INSERT INTO public.effects (k) VALUES ($1)', { bind: [k], transaction: tx });
      await new Promise((r) => setTimeout(r, 20));
      return { done: k, n: 1 };
    });

  it('acts once under concurrent retries and replays the first answer', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => act('key-concurrent', { a: 1, b: [1, 2] })));
    for (const r of results) expect(r).toEqual({ done: 'key-concurrent', n: 1 });
    expect(await effects('key-concurrent')).toBe(1);
  });

  it('treats key order in the input as the same request, another input as a conflict', async () => {
    await act('key-order', { a: 1, b: 2 });
    await expect(act('key-order', { b: 2, a: 1 })).resolves.toEqual({ done: 'key-order', n: 1 });
    const err = await act('key-order', { a: 2, b: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).appCode).toBe('IDEMPOTENCY_CONFLICT');
    expect(await effects('key-order')).toBe(1);
  });

  it('scopes keys by caller and procedure', async () => {
    await act('key-scope', {}, 'user:1:x');
    await act('key-scope', {}, 'user:2:x');
    expect(await effects('key-scope')).toBe(2);
  });

  it('leaves no key behind when the use case fails, so a retry runs', async () => {
    const failing = withIdempotency(db, { scope: 's', key: 'key-fail', input: {} }, async () => {
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    await expect(act('key-fail', {}, 's')).resolves.toEqual({ done: 'key-fail', n: 1 });
  });

  it('hashes stably', () => {
    expect(stableJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":2,"f":1}]},"b":1}',
    );
  });
});
