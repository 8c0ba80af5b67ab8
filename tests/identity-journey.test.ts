import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { createShopClient } from '@zjmall/client';
import type { AppRouter } from '@zjmall/api';
import { startTestBff, type TestBff } from './support/bff';

/**
 * The identity journey through the shared client over real HTTP, once batched (httpBatchLink, as
 * createShopClient does) and once call-by-call (httpLink): results and error shapes must match.
 */
describe('identity journey over HTTP', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ label: 'idjourney' });
  });
  afterAll(() => bff?.close());

  const unbatched = (token?: string) =>
    createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${bff.url}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })],
    });

  async function errorOf(p: Promise<unknown>) {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(TRPCClientError);
      const err = e as TRPCClientError<AppRouter>;
      return { message: err.message, data: err.data };
    }
    throw new Error('expected an error');
  }

  it('registers, reads itself, manages addresses and logs in — batched and unbatched alike', async () => {
    const anon = createShopClient(bff.url);
    const email = `Journey.${Date.now()}@Example.com`;
    const reg = await anon.auth.register.mutate({ email, password: 'a long password', name: '张三' });
    expect(reg.user).toMatchObject({ email: email.toLowerCase(), name: '张三', role: 'customer' });

    let token = reg.token;
    const client = createShopClient(bff.url, { token: () => token });
    const raw = unbatched(token);

    // The same reads, batched in one request and one by one.
    const [meB, listB] = await Promise.all([client.auth.me.query(), client.address.list.query()]);
    const [meU, listU] = [await raw.auth.me.query(), await raw.address.list.query()];
    expect(meB).toEqual(meU);
    expect(meB).toMatchObject({ id: reg.user.id, role: 'customer' });
    expect(listB).toEqual([]);
    expect(listU).toEqual([]);

    const addr = await client.address.create.mutate({
      receiver: '张三',
      phone: '13800138000',
      province: '浙江省',
      city: '杭州市',
      district: '西湖区',
      detail: '文三路 1 号',
    });
    expect(addr.id).toBeTruthy();
    expect(addr.isDefault).toBe(true); // the first address is the default
    expect(await raw.address.list.query()).toEqual(await client.address.list.query());

    const login = await anon.auth.login.mutate({ email: email.toUpperCase(), password: 'a long password' });
    expect(login.user.id).toBe(reg.user.id);
    token = login.token;
    expect(await client.auth.me.query()).toEqual(meB);
  });

  it('answers errors with one shape on both paths', async () => {
    const anon = createShopClient(bff.url);
    const raw = unbatched();

    // Bad input: BAD_REQUEST naming the field.
    const badB = await errorOf(anon.auth.register.mutate({ email: 'not-an-email', password: 'x', name: '' }));
    const badU = await errorOf(raw.auth.register.mutate({ email: 'not-an-email', password: 'x', name: '' }));
    expect(badB).toEqual(badU);
    expect(badB.data?.code).toBe('BAD_REQUEST');
    expect(badB.data?.httpStatus).toBe(400);
    expect(Object.keys(badB.data?.zodError?.fieldErrors ?? {})).toEqual(
      expect.arrayContaining(['email', 'password', 'name']),
    );

    // No token on a guest/user procedure: UNAUTHORIZED / UNAUTHENTICATED.
    const noTokB = await errorOf(anon.address.list.query());
    const noTokU = await errorOf(raw.address.list.query());
    expect(noTokB).toEqual(noTokU);
    expect(noTokB.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401, appCode: 'UNAUTHENTICATED' });

    // Wrong password: INVALID_CREDENTIALS.
    const credB = await errorOf(anon.auth.login.mutate({ email: 'nobody@example.com', password: 'whatever1' }));
    const credU = await errorOf(raw.auth.login.mutate({ email: 'nobody@example.com', password: 'whatever1' }));
    expect(credB).toEqual(credU);
    expect(credB.data?.appCode).toBe('INVALID_CREDENTIALS');

    // A tampered token.
    const tampered = createShopClient(bff.url, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad' });
    expect((await errorOf(tampered.auth.me.query())).data?.appCode).toBe('UNAUTHENTICATED');

    // No stack traces outside development.
    expect(JSON.stringify(badB)).not.toContain('.ts:');
  });

  it('mixes success and failure in one batch', async () => {
    const guest = await createShopClient(bff.url).auth.guest.mutate({});
    const c = createShopClient(bff.url, { token: guest.token });
    const [me, addr] = await Promise.allSettled([c.auth.me.query(), c.address.list.query()]);
    expect(me.status).toBe('fulfilled');
    expect(me.status === 'fulfilled' && me.value).toEqual({ guestId: guest.guestId, role: 'guest' });
    expect(addr.status).toBe('rejected');
    expect(addr.status === 'rejected' && (addr.reason as TRPCClientError<AppRouter>).data?.appCode).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('serves a batch of many calls in one request', async () => {
    const guest = await createShopClient(bff.url).auth.guest.mutate({});
    const c = createShopClient(bff.url, { token: guest.token, maxItems: 50 });
    const all = await Promise.all(Array.from({ length: 30 }, () => c.auth.me.query()));
    expect(all).toHaveLength(30);
    for (const me of all) expect(me).toEqual({ guestId: guest.guestId, role: 'guest' });
  });

  it('answers malformed JSON with 400, never 500', async () => {
    const r = await fetch(`${bff.url}/trpc/auth.register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{bad',
    });
    expect(r.status).toBe(400);
    const batch = await fetch(`${bff.url}/trpc/auth.login?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"0":{bad',
    });
    expect(batch.status).toBe(400);
  });
});
