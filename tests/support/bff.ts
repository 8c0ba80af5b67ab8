import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv, type TestEnvOptions } from '@zjmall/platform/testing';
import { allMigrations, createServices, startJobs, type Jobs, type ServiceOptions, type Services } from '@zjmall/api';
import { buildApp } from '@zjmall/bff';
import { createShopClient, type ShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';

import { repoRoot } from './paths';

export { repoRoot };

export interface TestBff {
  url: string;
  app: FastifyInstance;
  env: TestEnv;
  services: Services;
  close(): Promise<void>;
}

/** A client signed in as a fresh admin account of this BFF. */
export async function adminClient(bff: TestBff): Promise<ShopClient> {
  const email = `admin.${newId().slice(-8)}@example.com`;
  const password = 'admin password 1';
  await bff.services.identity.ensureAdmin(email, password);
  const { token } = await createShopClient(bff.url).auth.login.mutate({ email, password });
  return createShopClient(bff.url, { token });
}

/** A real BFF listening on a free port, on this test file's own database, key prefix and stream. */
export async function startTestBff(
  opts: TestEnvOptions & {
    fastPath?: boolean;
    jobs?: boolean;
    services?: ServiceOptions;
    port?: number;
    webDir?: string | null;
  } = {},
): Promise<TestBff> {
  const env = await createTestEnv({ label: 'bff', ...opts, modules: allMigrations });
  const services = createServices(
    env.platform,
    { jwtSecret: env.config.JWT_SECRET!, paymentCallbackSecret: env.config.PAYMENT_CALLBACK_SECRET! },
    opts.services,
  );
  const app = await buildApp({
    runtime: { platform: env.platform, services },
    log: env.log,
    fastPath: opts.fastPath,
    webDir: opts.webDir,
  });
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let jobs: Jobs | null = opts.jobs === false ? null : startJobs(env.platform, services);
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    env,
    services,
    async close() {
      await app.close();
      await jobs?.stop();
      jobs = null;
      await env.close();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface BffProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `npm start`'s entry in a child process with exactly `env` (plus PATH/HOME), waiting for /health. */
export async function spawnBff(env: Record<string, string>, timeoutMs = 90_000): Promise<BffProcess> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, [resolve(repoRoot, 'apps/bff/bin/start.mjs')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`BFF exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`BFF did not answer /health within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A customer signed up on this BFF, with a client carrying their token (also given, for another process) and one delivery address. */
export async function buyer(
  bff: Pick<TestBff, 'url'>,
): Promise<{ client: ShopClient; addressId: string; token: string }> {
  const reg = await createShopClient(bff.url).auth.register.mutate({
    email: `buyer.${newId().slice(-8)}@example.com`,
    password: 'buyer password',
    name: '买家',
  });
  const client = createShopClient(bff.url, { token: reg.token });
  const address = await client.address.create.mutate({
    receiver: '买家',
    phone: '13800138000',
    province: '浙江省',
    city: '杭州市',
    district: '西湖区',
    detail: '文三路 1 号',
  });
  return { client, addressId: address.id, token: reg.token };
}

/** Runs fn(0 … n-1), `width` at a time. */
export async function inBatches(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < n; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, n - start) }, (_, k) => fn(start + k)));
  }
}

/**
 * `n` customers signed up through the identity service, 10 at a time (set-up, not what a test
 * measures: faster than over HTTP), each with a delivery address and a client carrying their token.
 */
export async function serviceBuyers(
  bff: Pick<TestBff, 'services' | 'url'>,
  n: number,
  tag: string,
): Promise<{ userId: string; client: ShopClient; addressId: string }[]> {
  const { identity } = bff.services;
  const buyers: { userId: string; client: ShopClient; addressId: string }[] = [];
  await inBatches(n, 10, async (i) => {
    const reg = await identity.register({
      email: `${tag}${i}.${newId().slice(-8)}@example.com`,
      password: 'buyer password',
      name: `buyer ${i}`,
    });
    const address = await identity.createAddress(reg.user.id, {
      receiver: `买家${i}`,
      phone: '13800138000',
      province: '上海',
      city: '上海',
      district: '浦东',
      detail: `${i} 号`,
    });
    buyers[i] = { userId: reg.user.id, client: createShopClient(bff.url, { token: reg.token }), addressId: address.id };
  });
  return buyers;
}

/** A published product with one SKU in stock, made through the catalog service as `actor`; the SKU's id. */
export async function publishedSku(
  bff: Pick<TestBff, 'services'>,
  o: { name: string; code: string; spec: Record<string, string>; price: number; stock: number; actor: string },
): Promise<string> {
  const { catalog } = bff.services;
  const cat = await catalog.createCategory({ name: `c-${newId()}` });
  const p = await catalog.createProduct(
    { name: o.name, categoryId: cat.id, skus: [{ code: o.code, spec: o.spec, price: o.price, initialStock: o.stock }] },
    o.actor,
  );
  await catalog.publish(p.id);
  return p.skus[0].id;
}
