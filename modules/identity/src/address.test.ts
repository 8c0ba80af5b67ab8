import { afterAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { newId } from '@zjmall/platform';
import { createHarness, failure, newUser, type Caller } from './testing/harness';

const h = await createHarness();
afterAll(() => h.close());

const addr = (n: number, isDefault?: boolean) => ({
  receiver: `收件人${n}`,
  phone: '+86 138-0000-0000',
  province: '广东省',
  city: '深圳市',
  district: '南山区',
  detail: `科技园 ${n} 号`,
  ...(isDefault === undefined ? {} : { isDefault }),
});

async function signedIn(): Promise<Caller> {
  const { token } = await h.caller().auth.register(newUser());
  return h.caller(token);
}

const defaults = async (c: Caller) => (await c.address.list()).filter((a) => a.isDefault).map((a) => a.id);

describe('addresses', () => {
  it('creates with an id and ISO timestamps; the first address becomes the default', async () => {
    const c = await signedIn();
    const first = await c.address.create(addr(1));
    expect(first).toMatchObject({ id: expect.any(String), receiver: '收件人1', isDefault: true });
    expect(new Date(first.createdAt).toISOString()).toBe(first.createdAt);
    const second = await c.address.create(addr(2));
    expect(second.isDefault).toBe(false);
    expect((await c.address.list()).map((a) => a.id)).toEqual([first.id, second.id]); // default first
  });

  it('keeps one default: isDefault on create or update clears the previous one', async () => {
    const c = await signedIn();
    const a = await c.address.create(addr(1));
    const b = await c.address.create(addr(2, true));
    expect(await defaults(c)).toEqual([b.id]);
    const updated = await c.address.update({ id: a.id, isDefault: true, city: '广州市' });
    expect(updated).toMatchObject({ id: a.id, isDefault: true, city: '广州市', receiver: '收件人1' });
    expect(await defaults(c)).toEqual([a.id]);
    // Clearing by choice leaves no default.
    await c.address.update({ id: a.id, isDefault: false });
    expect(await defaults(c)).toEqual([]);
  });

  it('hands the default to the newest remaining address when the default is deleted', async () => {
    const c = await signedIn();
    const a = await c.address.create(addr(1));
    const b = await c.address.create(addr(2));
    const d = await c.address.create(addr(3));
    expect(await c.address.delete({ id: a.id })).toEqual({ id: a.id, deleted: true });
    expect(await defaults(c)).toEqual([d.id]);
    await c.address.delete({ id: b.id });
    expect(await defaults(c)).toEqual([d.id]);
    expect(await c.address.list()).toHaveLength(1);
  });

  it('keeps a single default under concurrent creates', async () => {
    const c = await signedIn();
    await Promise.all(Array.from({ length: 6 }, (_, i) => c.address.create(addr(i, i % 2 === 0))));
    expect(await c.address.list()).toHaveLength(6);
    expect(await defaults(c)).toHaveLength(1);
  });

  it("answers another user's address as ADDRESS_NOT_FOUND and changes nothing", async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    const mine = await alice.address.create(addr(1));
    const before = await alice.address.list();

    expect(await bob.address.list()).toEqual([]);
    // Thunks, so that each call starts only when the previous one has been checked.
    for (const call of [
      () => bob.address.update({ id: mine.id, receiver: 'Mallory', isDefault: true }),
      () => bob.address.delete({ id: mine.id }),
      () => bob.address.update({ id: newId(), receiver: 'nobody' }),
    ]) {
      const err = await failure(h, call());
      expect(err.code).toBe('NOT_FOUND');
      expect(err.data.appCode).toBe('ADDRESS_NOT_FOUND');
    }
    expect(await alice.address.list()).toEqual(before);
    const rows = await h.db.query(`SELECT count(*)::int AS n FROM identity.addresses WHERE id = $1`, {
      bind: [mine.id],
      type: QueryTypes.SELECT,
    });
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('names the field of a malformed address (BAD_REQUEST)', async () => {
    const c = await signedIn();
    for (const [input, field] of [
      [{ ...addr(1), phone: 'call me' }, 'phone'],
      [{ ...addr(1), receiver: '' }, 'receiver'],
      [{ ...addr(1), detail: 'x'.repeat(201) }, 'detail'],
    ] as const) {
      const err = await failure(h, c.address.create(input));
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.data.zodError?.fieldErrors[field]).toBeDefined();
    }
    const err = await failure(h, c.address.delete({ id: 'not-a-uuid' }));
    expect(err.data.zodError?.fieldErrors.id).toBeDefined();
  });
});
