import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSource } from 'eventsource';
import {
  TRPCClientError,
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import type { InjectOptions } from 'fastify';
import { buildTestApp, type TestApp, type TestRouter } from './fast-path.fixture';

/**
 * The differential test: the same requests to an app with the fast path and to one with the
 * stock adapter only must get the same status, content type, Vary, body and onError reports;
 * and the fast path must really have answered the requests it claims.
 */

const enc = (v: unknown) => encodeURIComponent(JSON.stringify(v));
const echoOk = { text: 'hi', nested: { qty: 2, tags: ['a', 'b'] } };
const json = { 'content-type': 'application/json' };

interface Case {
  name: string;
  req: InjectOptions;
  /** Whether the fast path (rather than the stock handler) must answer it. */
  fast: boolean;
  check?: (a: Answer) => void;
}

interface Answer {
  status: number;
  contentType: unknown;
  vary: unknown;
  allow: unknown;
  body: unknown;
  reported: unknown[];
}

function errorData(a: Answer): Record<string, unknown> {
  const body = a.body as { error: { data: Record<string, unknown> } };
  return body.error.data;
}

const cases: Case[] = [
  {
    name: 'query without input',
    req: { url: '/trpc/health.ping' },
    fast: true,
    check: (a) => expect(a).toMatchObject({ status: 200, body: { result: { data: { pong: true } } } }),
  },
  { name: 'batch of one, no input', req: { url: '/trpc/health.ping?batch=1' }, fast: true },
  {
    name: 'batch of one as httpBatchLink sends it',
    req: { url: '/trpc/health.ping?batch=1&input=%7B%7D' },
    fast: true,
    check: (a) => expect(a.body).toEqual([{ result: { data: { pong: true } } }]),
  },
  {
    name: 'query with nested input',
    req: { url: `/trpc/echo?input=${enc(echoOk)}` },
    fast: true,
    check: (a) => expect(a.body).toEqual({ result: { data: echoOk } }),
  },
  {
    name: "'+' in the query string is a space",
    req: { url: '/trpc/echo?input=%7B%22text%22%3A%22a+b%22%7D' },
    fast: true,
    check: (a) => expect(a.body).toEqual({ result: { data: { text: 'a b' } } }),
  },
  { name: 'input null to an optional input', req: { url: '/trpc/maybe?input=null' }, fast: true },
  {
    name: 'undefined output',
    req: { url: '/trpc/nothing' },
    fast: true,
    check: (a) => expect(a.body).toEqual({ result: {} }),
  },
  { name: 'path escaped in the URL', req: { url: '/trpc/health%2Eping' }, fast: true },
  {
    name: 'bad input: BAD_REQUEST with zodError naming the fields',
    req: { url: `/trpc/echo?input=${enc({ text: '', nested: { qty: 0, tags: ['a', 'b', 'c', 'd'] } })}` },
    fast: true,
    check: (a) => {
      expect(a.status).toBe(400);
      const data = errorData(a);
      expect(data.code).toBe('BAD_REQUEST');
      const zod = data.zodError as { fieldErrors: Record<string, string[]> };
      expect(Object.keys(zod.fieldErrors).sort()).toEqual(['nested.qty', 'nested.tags', 'text']);
    },
  },
  {
    name: 'batch mixing success and failure → 207',
    req: { url: `/trpc/echo,noInput,boom?batch=1&input=${enc({ 0: { text: 'a' } })}` },
    fast: true,
    check: (a) => expect(a.status).toBe(207),
  },
  {
    name: 'batch failing alike keeps that status',
    req: { url: '/trpc/boom,boom?batch=1' },
    fast: true,
    check: (a) => expect(a.status).toBe(500),
  },
  {
    name: 'mutation',
    req: { method: 'POST', url: '/trpc/add', headers: json, payload: '{"a":1,"b":2}' },
    fast: true,
    check: (a) => expect(a.body).toEqual({ result: { data: { sum: 3 } } }),
  },
  {
    name: 'mutation, content type with charset',
    req: {
      method: 'POST',
      url: '/trpc/add',
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      payload: '{"a":1,"b":2}',
    },
    fast: true,
  },
  {
    name: 'mutation without input',
    req: { method: 'POST', url: '/trpc/touch', headers: json, payload: '' },
    fast: true,
    check: (a) => expect(a.body).toEqual({ result: { data: 'touched' } }),
  },
  {
    name: 'mutation with input null',
    req: { method: 'POST', url: '/trpc/add', headers: json, payload: 'null' },
    fast: true,
    check: (a) => expect(a.status).toBe(400),
  },
  {
    name: 'batched mutations, one bad input',
    req: { method: 'POST', url: '/trpc/add,add?batch=1', headers: json, payload: '{"0":{"a":1,"b":2},"1":{"a":"x"}}' },
    fast: true,
    check: (a) => expect(a.status).toBe(207),
  },
  {
    name: 'DomainError → CONFLICT with appCode and details',
    req: { method: 'POST', url: '/trpc/reserve', headers: json, payload: '{"skuId":"sku-1"}' },
    fast: true,
    check: (a) => {
      expect(a.status).toBe(409);
      expect(errorData(a)).toMatchObject({
        code: 'CONFLICT',
        appCode: 'INSUFFICIENT_STOCK',
        details: { skuId: 'sku-1' },
        path: 'reserve',
      });
    },
  },
  {
    name: 'plain Error → 500 without internals',
    req: { url: '/trpc/boom', headers: { 'x-request-id': 'req-boom' } },
    fast: true,
    check: (a) => {
      expect(a.status).toBe(500);
      expect(a.body).toMatchObject({
        error: { message: 'Internal server error', data: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-boom' } },
      });
      expect(JSON.stringify(a.body)).not.toMatch(/hunter2|stack/);
    },
  },
  {
    name: 'output failing its schema → 500',
    req: { url: '/trpc/badOutput' },
    fast: true,
    check: (a) => expect(a.status).toBe(500),
  },
  {
    name: 'output JSON cannot carry → 500',
    req: { url: '/trpc/bigint' },
    fast: true,
    check: (a) => expect(a.status).toBe(500),
  },
  {
    name: 'stream-like output in a plain request',
    req: { url: '/trpc/later' },
    fast: true,
    check: (a) => expect(a.status).toBe(415),
  },
  {
    name: 'stream-like output in a batch',
    req: { url: '/trpc/later,health.ping?batch=1' },
    fast: true,
    check: (a) => expect(a.status).toBe(207),
  },
  {
    name: 'no token',
    req: { url: '/trpc/me' },
    fast: true,
    check: (a) =>
      expect(a).toMatchObject({
        status: 401,
        body: { error: { data: { code: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' } } },
      }),
  },
  {
    name: 'expired token',
    req: { url: '/trpc/me', headers: { authorization: 'Bearer expired' } },
    fast: true,
    check: (a) => expect(a.status).toBe(401),
  },
  {
    name: 'guest token on a user procedure',
    req: { url: '/trpc/me', headers: { authorization: 'Bearer guest-token' } },
    fast: true,
    check: (a) => expect(a.status).toBe(401),
  },
  {
    name: 'user token',
    req: { url: '/trpc/me', headers: { authorization: 'Bearer user-token' } },
    fast: true,
    check: (a) => expect(a.body).toEqual({ result: { data: { id: 'u1', role: 'customer' } } }),
  },
  {
    name: 'context creation fails',
    req: { url: '/trpc/health.ping,noInput?batch=1', headers: { 'x-fail-context': '1' } },
    fast: true,
    check: (a) => expect(a.status).toBe(500),
  },
  // Left to the stock handler:
  {
    name: 'mutation sent as GET',
    req: { url: '/trpc/add' },
    fast: false,
    check: (a) => expect(a).toMatchObject({ status: 405, allow: 'POST' }),
  },
  {
    name: 'query sent as POST',
    req: { method: 'POST', url: '/trpc/noInput', headers: json, payload: '' },
    fast: false,
    check: (a) => expect(a.status).toBe(405),
  },
  { name: 'unknown procedure', req: { url: '/trpc/nope' }, fast: false, check: (a) => expect(a.status).toBe(404) },
  {
    name: 'unknown procedure in a batch',
    req: { url: '/trpc/health.ping,nope?batch=1' },
    fast: false,
    check: (a) => expect(a.status).toBe(207),
  },
  { name: 'query and mutation in one batch', req: { url: '/trpc/health.ping,add?batch=1' }, fast: false },
  {
    name: 'malformed input JSON (GET)',
    req: { url: '/trpc/echo?input=%7Bbad' },
    fast: false,
    check: (a) => expect(a.status).toBe(400),
  },
  {
    name: 'malformed input JSON (POST)',
    req: { method: 'POST', url: '/trpc/add', headers: json, payload: '{bad' },
    fast: false,
    check: (a) => expect(a.status).toBe(400),
  },
  {
    name: 'batch with a non-object input map',
    req: { url: '/trpc/echo?batch=1&input=%5B1%5D' },
    fast: false,
    check: (a) => expect(a.status).toBe(400),
  },
  {
    name: 'batch with a malformed input map',
    req: { url: '/trpc/echo,health.ping?batch=1&input=%7Bbad' },
    fast: false,
  },
  { name: 'invalid escape in input', req: { url: '/trpc/echo?input=%E0%A4%A' }, fast: false },
  {
    name: 'repeated input parameter',
    req: { url: `/trpc/echo?input=${enc({ text: 'a' })}&input=${enc({ text: 'b' })}` },
    fast: false,
  },
  {
    name: 'connectionParams on a query',
    req: { url: `/trpc/me?connectionParams=${enc({ token: 'user-token' })}` },
    fast: false,
    check: (a) => expect(a.status).toBe(200),
  },
  {
    name: 'streaming request (httpBatchStreamLink)',
    req: { url: '/trpc/health.ping?batch=1', headers: { 'trpc-accept': 'application/jsonl' } },
    fast: false,
  },
  {
    name: 'Accept: application/jsonl',
    req: { url: '/trpc/health.ping?batch=1', headers: { accept: 'application/jsonl' } },
    fast: false,
  },
  {
    name: 'HEAD',
    req: { method: 'HEAD', url: '/trpc/health.ping' },
    fast: false,
    check: (a) => expect(a.status).toBe(204),
  },
  { name: 'PUT', req: { method: 'PUT', url: '/trpc/add', headers: json, payload: '{}' }, fast: false },
  {
    name: 'form data',
    req: {
      method: 'POST',
      url: '/trpc/add',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x--\r\n',
    },
    fast: false,
  },
  {
    name: 'subscription over SSE',
    req: { url: `/trpc/ticks?input=${enc({ n: 2 })}` },
    fast: false,
    check: (a) => expect(a.contentType).toBe('text/event-stream'),
  },
  { name: 'subscription in a batch', req: { url: `/trpc/ticks?batch=1&input=${enc({ 0: { n: 1 } })}` }, fast: false },
];

let fast: TestApp;
let stock: TestApp;

beforeAll(async () => {
  [fast, stock] = await Promise.all([buildTestApp(true), buildTestApp(false)]);
});
afterAll(async () => {
  await Promise.all([fast?.app.close(), stock?.app.close()]);
});

async function ask(t: TestApp, req: InjectOptions): Promise<Answer> {
  const before = t.errors.length;
  const res = await t.app.inject(req);
  let body: unknown = res.body;
  try {
    body = JSON.parse(res.body);
  } catch {
    // not JSON (SSE, JSON lines, empty): compare the text
  }
  // `input` is left out: the fast path reports the raw input as sent (as createCaller does), the
  // stock handler only once the procedure has read it (the fast-path test below checks it).
  const reported = t.errors
    .slice(before)
    .map((e) => ({ code: e.error.code, message: e.error.message, path: e.path, type: e.type }));
  return {
    status: res.statusCode,
    contentType: res.headers['content-type'],
    vary: res.headers.vary,
    allow: res.headers.allow,
    body,
    reported,
  };
}

describe('fast path vs stock adapter (app.inject)', () => {
  it.each(cases)('$name', async (c) => {
    const fastBefore = fast.stats.fastPath;
    const stockBefore = fast.stats.stock;
    const a = await ask(fast, c.req);
    const b = await ask(stock, c.req);
    expect(a).toEqual(b);
    expect({ fastPath: fast.stats.fastPath - fastBefore, stock: fast.stats.stock - stockBefore }).toEqual(
      c.fast ? { fastPath: 1, stock: 0 } : { fastPath: 0, stock: 1 },
    );
    expect(stock.stats.fastPath).toBe(0);
    c.check?.(a);
  });

  it('reports procedure errors to onError on the fast path too', async () => {
    const before = fast.stats.fastPath;
    const a = await ask(fast, { url: `/trpc/echo,boom?batch=1&input=${enc({ 0: { text: '' } })}` });
    expect(fast.stats.fastPath).toBe(before + 1);
    const byPath = [...a.reported].sort((x, y) =>
      String((x as { path: string }).path).localeCompare((y as { path: string }).path),
    );
    expect(byPath).toEqual([
      expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR', path: 'boom', type: 'query' }),
      expect.objectContaining({ code: 'BAD_REQUEST', path: 'echo', type: 'query' }),
    ]);
    // The raw input as sent, as createCaller's onError reports it.
    expect(fast.errors.slice(-2).find((e) => e.path === 'echo')?.input).toEqual({ text: '' });
  });
});

type Client = TRPCClient<TestRouter>;
type Settled = { ok: true; data: unknown } | { ok: false; message: string; data: unknown; shape: unknown };

function makeClient(base: string, link: 'single' | 'batch', token?: string): Client {
  const url = `${base}/trpc`;
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return createTRPCClient<TestRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url, EventSource, connectionParams: token ? { token } : null }),
        false: link === 'single' ? httpLink({ url, headers }) : httpBatchLink({ url, headers }),
      }),
    ],
  });
}

async function settle(p: Promise<unknown>): Promise<Settled> {
  try {
    return { ok: true, data: await p };
  } catch (e) {
    if (!(e instanceof TRPCClientError)) throw e;
    return { ok: false, message: e.message, data: e.data, shape: e.shape };
  }
}

/** Issued together, so httpBatchLink batches them (queries in one request, mutations in another). */
function scenario(c: Client): Promise<Settled[]> {
  return Promise.all(
    [
      c.health.ping.query(),
      c.echo.query(echoOk),
      c.echo.query({ text: '' }),
      c.maybe.query(),
      c.maybe.query({ n: 1 }),
      c.nothing.query(),
      c.boom.query(),
      c.me.query(),
      c.add.mutate({ a: 2, b: 3 }),
      c.touch.mutate(),
      c.reserve.mutate({ skuId: 'sku-9' }),
    ].map(settle),
  );
}

function collect(
  subscribe: (h: { onData: (d: unknown) => void; onError: (e: unknown) => void; onComplete: () => void }) => {
    unsubscribe(): void;
  },
) {
  return new Promise<{ data: unknown[]; error?: unknown }>((resolve) => {
    const data: unknown[] = [];
    const sub = subscribe({
      onData: (d) => data.push(d),
      onComplete: () => resolve({ data }),
      onError: (e) => {
        sub.unsubscribe();
        resolve({ data, error: e instanceof TRPCClientError ? { message: e.message, data: e.data } : String(e) });
      },
    });
  });
}

describe('official @trpc/client against listening servers', () => {
  const base = { fast: '', stock: '' };
  beforeAll(async () => {
    base.fast = await fast.app.listen({ host: '127.0.0.1', port: 0 });
    base.stock = await stock.app.listen({ host: '127.0.0.1', port: 0 });
  });

  for (const link of ['single', 'batch'] as const) {
    for (const token of [undefined, 'user-token']) {
      it(`${link === 'single' ? 'httpLink' : 'httpBatchLink'}, ${token ? 'signed in' : 'anonymous'}: same results, served by the fast path`, async () => {
        const before = { ...fast.stats };
        const a = await scenario(makeClient(base.fast, link, token));
        const b = await scenario(makeClient(base.stock, link, token));
        expect(a).toEqual(b);
        expect(a[0]).toEqual({ ok: true, data: { pong: true } });
        expect(a[7].ok).toBe(token !== undefined);
        expect(a[10]).toMatchObject({ ok: false, data: { appCode: 'INSUFFICIENT_STOCK', httpStatus: 409 } });
        expect(fast.stats.stock).toBe(before.stock);
        expect(fast.stats.fastPath - before.fastPath).toBe(link === 'single' ? 11 : 2);
      });
    }
  }

  it('SSE subscriptions go through the stock handler of the fast-path app, connectionParams included', async () => {
    const before = { ...fast.stats };
    const run = (b: string, token?: string) => {
      const c = makeClient(b, 'single', token);
      return Promise.all([
        collect((h) => c.ticks.subscribe({ n: 3 }, h)),
        collect((h) => c.myTicks.subscribe(undefined, h)),
      ]);
    };
    const [anonFast, anonStock] = [await run(base.fast), await run(base.stock)];
    const [userFast, userStock] = [await run(base.fast, 'user-token'), await run(base.stock, 'user-token')];
    expect(anonFast).toEqual(anonStock);
    expect(userFast).toEqual(userStock);
    expect(anonFast[0]).toEqual({ data: [{ i: 0 }, { i: 1 }, { i: 2 }] });
    expect(anonFast[1]).toMatchObject({
      data: [],
      error: { data: { code: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' } },
    });
    expect(userFast[1]).toEqual({ data: [{ user: 'u1' }] });
    expect(fast.stats.fastPath).toBe(before.fastPath);
    expect(fast.stats.stock - before.stock).toBeGreaterThanOrEqual(4);
  });
});
