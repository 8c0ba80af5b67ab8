import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs, type Jobs } from '@zjmall/api';
import { createShopClient, type ShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import { buyer, publishedSku, spawnBff, startTestBff, type BffProcess, type TestBff } from './support/bff';

const ADMIN = '00000000-0000-7000-8000-00000000ad0a';
const ADMIN_LOGIN = { email: `guard.${newId().slice(-8)}@example.com`, password: 'admin password 1' };

async function eventually<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A webhook must not become a way into the internal network: over the real API, without
 * WEBHOOK_ALLOW_PRIVATE, a loopback, private or link-local target is refused when saved (BAD_REQUEST
 * naming `url`), and a webhook whose host resolves to one (`localhost`) — saved by a process that
 * allowed private targets — is refused again at delivery by a process that does not, then
 * delivered, with the same delivery id, by one that does.
 */
describe('webhook targets: private addresses', () => {
  let bff: TestBff;
  let admin: ShopClient;
  let jobs: Jobs | null = null;
  let allowing: BffProcess | null = null;
  let server: Server;
  const got: { delivery: string; event: string }[] = [];

  beforeAll(async () => {
    // This process: WEBHOOK_ALLOW_PRIVATE unset (the default), jobs started by the test.
    bff = await startTestBff({ label: 'hookguard', jobs: false });
    await bff.services.identity.ensureAdmin(ADMIN_LOGIN.email, ADMIN_LOGIN.password);
    const { token } = await createShopClient(bff.url).auth.login.mutate(ADMIN_LOGIN);
    admin = createShopClient(bff.url, { token });
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        got.push({ delivery: String(req.headers['x-zjmall-delivery']), event: String(req.headers['x-zjmall-event']) });
        res.statusCode = 204;
        res.end();
      });
    });
    // Both stacks, whichever address `localhost` resolves to.
    await new Promise<void>((ok) => server.listen(0, '::', ok));
  }, 180_000);

  afterAll(async () => {
    await jobs?.stop();
    await allowing?.stop();
    server?.close();
    await bff?.close();
  });

  const port = () => (server.address() as { port: number }).port;

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://10.0.0.5/hook',
    'http://172.16.3.4/hook',
    'http://192.168.1.10/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/hook',
    'http://[::1]/hook',
    'http://[fd12::1]/hook',
    'http://[fe80::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://0.0.0.0/hook',
    'http://localhost/hook',
  ])('refuses to save %s: BAD_REQUEST naming url', async (url) => {
    const err = await admin.notification.admin.createWebhook.mutate({ url, events: ['*'] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      data: { code: 'BAD_REQUEST', httpStatus: 400, zodError: { fieldErrors: { url: [expect.any(String)] } } },
    });
    const msg = (err as { data: { zodError: { fieldErrors: { url: string[] } } } }).data.zodError.fieldErrors.url[0];
    expect(msg).toMatch(/private, loopback or link-local/);
  });

  it('refuses to move a saved webhook to a private address; a public one is saved', async () => {
    const hook = await admin.notification.admin.createWebhook.mutate({
      url: 'https://93.184.215.14/hook',
      events: ['order.paid'],
    });
    await expect(
      admin.notification.admin.updateWebhook.mutate({ id: hook.id, url: 'http://10.1.2.3/internal' }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST', zodError: { fieldErrors: { url: expect.any(Array) } } } });
    const saved = await admin.notification.admin.listWebhooks.query();
    expect(saved.map((h) => h.url)).toEqual(['https://93.184.215.14/hook']);
    await admin.notification.admin.deleteWebhook.mutate({ id: hook.id });
  });

  it('a localhost webhook saved where private targets were allowed is refused at delivery where they are not, and delivered where they are', async () => {
    // A second BFF on the same database and stream that allows private targets saves the webhook.
    allowing = await spawnBff({ ...bff.env.childEnv, WEBHOOK_ALLOW_PRIVATE: 'true', RUN_JOBS: 'false' }, 180_000);
    const { token } = await createShopClient(allowing.url).auth.login.mutate(ADMIN_LOGIN);
    const viaAllowing = createShopClient(allowing.url, { token });
    const hook = await viaAllowing.notification.admin.createWebhook.mutate({
      url: `http://localhost:${port()}/hook`,
      events: ['order.created'],
    });

    // This process delivers, without WEBHOOK_ALLOW_PRIVATE: the resolved address is checked and refused.
    jobs = startJobs(bff.env.platform, bff.services);
    const skuId = await publishedSku(bff, {
      name: '台灯',
      code: `HG-${newId()}`,
      spec: { c: 'w' },
      price: 3_000,
      stock: 10,
      actor: ADMIN,
    });
    const { client, addressId } = await buyer(bff);
    await client.cart.addItem.mutate({ skuId, quantity: 1 });
    const order = await client.order.checkout.mutate({ addressId, idempotencyKey: `co-${newId()}` });
    const refused = await eventually(
      'refused attempts',
      () => admin.notification.admin.deliveries.query({ webhookId: hook.id }),
      (p) => p.items.length === 1 && p.items[0].attempts >= 2,
    );
    expect(refused.items[0]).toMatchObject({
      eventType: 'order.created',
      status: 'pending',
      lastStatus: null,
      lastError: expect.stringMatching(/^refused: localhost resolves to a private, loopback or link-local address/),
    });
    expect(got).toEqual([]);

    // The same delivery goes out from a process that allows private targets: the refusal was the guard's.
    await jobs.stop();
    jobs = null;
    await allowing.stop();
    allowing = await spawnBff({ ...bff.env.childEnv, WEBHOOK_ALLOW_PRIVATE: 'true', RUN_JOBS: 'true' }, 180_000);
    const done = await eventually(
      'delivered',
      () => admin.notification.admin.deliveries.query({ webhookId: hook.id }),
      (p) => p.items[0]?.status === 'succeeded',
    );
    expect(got).toEqual([{ delivery: done.items[0].id, event: 'order.created' }]);
    expect(done.items[0].id).toBe(refused.items[0].id);
    expect(order.id).toBeTruthy();
  }, 600_000);
});
