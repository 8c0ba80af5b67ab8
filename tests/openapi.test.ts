import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as contracts from '@zjmall/contracts';
import { createAppRouter } from '@zjmall/api';
import { listProcedures } from '@zjmall/bff';
import { newId } from '@zjmall/platform';
import { adminClient, buyer, repoRoot, startTestBff, type TestBff } from './support/bff';

type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId: string;
  parameters?: Json[];
  requestBody?: Json;
  responses: Record<string, Json>;
  security?: unknown[];
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Json };
}

/** The component a `$ref` names. */
const refId = (schema: unknown) => String((schema as { $ref: string }).$ref).replace('#/components/schemas/', '');

/** The schema with every `$ref` to a component replaced by the component (the contract has no cycles but CategoryNode). */
function deref(schema: unknown, doc: Doc): unknown {
  if (Array.isArray(schema)) return schema.map((s) => deref(s, doc));
  if (schema && typeof schema === 'object') {
    const o = schema as Json;
    if (typeof o.$ref === 'string') return deref(doc.components.schemas[refId(o)], doc);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, deref(v, doc)]));
  }
  return schema;
}

/** The zod schema a component was generated from: the contract's export of that name. */
function contractSchema(id: string): z.ZodType {
  const s = (contracts as Record<string, unknown>)[id];
  if (!(s instanceof z.ZodType)) throw new Error(`${id} is not a schema exported by @zjmall/contracts`);
  return s;
}

/** Validates a live answer with the zod schema the document's operation names, and checks the document's schema is that schema's. */
function checkAnswer(doc: Doc, path: string, method: 'get' | 'post', status: number, body: unknown) {
  const op = doc.paths[`/trpc/${path}`][method];
  expect(op, `${method} /trpc/${path} in the document`).toBeDefined();
  let schemaRef: unknown;
  let value: unknown;
  if (status === 200) {
    const ok = op.responses['200'] as {
      content: { 'application/json': { schema: { properties: { result: { properties: { data: unknown } } } } } };
    };
    schemaRef = ok.content['application/json'].schema.properties.result.properties.data;
    value = (body as { result: { data: unknown } }).result.data;
  } else {
    schemaRef = (op.responses.default as { content: { 'application/json': { schema: unknown } } }).content[
      'application/json'
    ].schema;
    value = body;
  }
  const id = refId(schemaRef);
  const schema = contractSchema(id);
  // The answer is exactly what the schema describes: parsing keeps every field (nothing unknown dropped).
  const parsed = schema.safeParse(value);
  expect(parsed.error, `${path}: answer matches ${id}`).toBeUndefined();
  expect(parsed.data).toEqual(value);
  // …and the document's schema for it was generated from that same zod schema.
  const { $schema: _s, ...standalone } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Json;
  expect(deref(schemaRef, doc)).toEqual(standalone);
  return id;
}

describe('the API reference: /openapi.json, /docs and docs/api.md', () => {
  let bff: TestBff;
  let doc: Doc;
  beforeAll(async () => {
    // A tight rate limit: the docs routes must stay outside it, as the operations routes are.
    bff = await startTestBff({ label: 'openapi', jobs: false, env: { RATE_LIMIT_PER_MINUTE: '20' } });
    const r = await fetch(`${bff.url}/openapi.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await r.json()) as Doc;
  });
  afterAll(() => bff?.close());

  it('describes every procedure of the router on its real wire route, and docs/api.md names each one', () => {
    expect(doc.openapi).toBe('3.1.0');
    const procedures = listProcedures(createAppRouter(bff.services));
    expect(procedures.length).toBeGreaterThan(50);
    const apiMd = readFileSync(resolve(repoRoot, 'docs/api.md'), 'utf8');
    const undocumented = procedures.filter((p) => !apiMd.includes(`\`${p.path}\``)).map((p) => p.path);
    expect(undocumented, 'procedures missing from docs/api.md (write each as `router.procedure`)').toEqual([]);
    for (const p of procedures) {
      const method = p.type === 'mutation' ? 'post' : 'get';
      const op = doc.paths[`/trpc/${p.path}`]?.[method];
      expect(op, `${method.toUpperCase()} /trpc/${p.path}`).toBeDefined();
      expect(op.operationId).toBe(p.path);
      // Only public procedures go without the bearer token.
      expect(Boolean(op.security), p.path).toBe(p.meta.access !== 'public');
      if (p.inputs.length && method === 'get') expect(op.parameters?.[0]).toMatchObject({ name: 'input', in: 'query' });
      if (p.inputs.length && method === 'post') expect(op.requestBody).toBeDefined();
    }
    expect(Object.keys(doc.paths)).toHaveLength(procedures.length);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    // A generator can resolve every reference, and component names are what OpenAPI allows.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(
      refs.filter((r) => !r.startsWith('#/components/schemas/') || !(refId({ $ref: r }) in doc.components.schemas)),
    ).toEqual([]);
    expect(Object.keys(doc.components.schemas).filter((n) => !/^[A-Za-z0-9._-]+$/.test(n))).toEqual([]);
  });

  it('serves a browsable reference at /docs from local assets, outside the rate limit', async () => {
    const redirect = await fetch(`${bff.url}/docs`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/docs/');
    await redirect.arrayBuffer();
    // Every body is read: an unread 150 KB answer would keep its connection busy and the BFF from closing.
    const status = async (path: string) => {
      const r = await fetch(`${bff.url}${path}`);
      await r.arrayBuffer();
      return r.status;
    };
    for (let i = 0; i < 25; i++) expect(await status('/openapi.json')).toBe(200);
    const html = await (await fetch(`${bff.url}/docs/`)).text();
    expect(html).toContain('swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//); // every asset is ours: no CDN
    const init = await fetch(`${bff.url}/docs/swagger-initializer.js`);
    expect(await init.text()).toContain("url: '../openapi.json'");
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'swagger-ui.css', 'index.css']) {
      const r = await fetch(`${bff.url}/docs/${asset}`);
      expect(r.status, asset).toBe(200);
      expect((await r.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    // Only Swagger UI's assets: nothing else of the package (nor its petstore initializer) is served.
    expect(await status('/docs/package.json')).toBe(404);
    expect(await status('/docs/index.html')).toBe(404);
  });

  it('live answers (a cart, an order, an error) are what the document says', async () => {
    const admin = await adminClient(bff);
    const category = await admin.catalog.admin.createCategory.mutate({ name: `文档 ${newId().slice(-6)}` });
    const product = await admin.catalog.admin.createProduct.mutate({
      name: `文档耳机 ${newId().slice(-6)}`,
      categoryId: category.id,
      skus: [{ code: `DOC-${newId().slice(-10)}`, spec: { color: 'black' }, price: 9_900, initialStock: 5 }],
    });
    await admin.catalog.admin.publish.mutate({ id: product.id });
    const { client: me, addressId, token } = await buyer(bff);
    await me.cart.addItem.mutate({ skuId: product.skus[0].id, quantity: 2 });

    // Plain HTTP, as a client generated from the document calls it.
    const auth = { authorization: `Bearer ${token}` };
    const cart = await fetch(`${bff.url}/trpc/cart.get`, { headers: auth });
    expect(cart.status).toBe(200);
    expect(checkAnswer(doc, 'cart.get', 'get', 200, await cart.json())).toBe('CartView');

    const checkout = await fetch(`${bff.url}/trpc/order.checkout`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ addressId, idempotencyKey: `doc-${newId()}` }),
    });
    expect(checkout.status).toBe(200);
    const order = (await checkout.json()) as { result: { data: { id: string } } };
    expect(checkAnswer(doc, 'order.checkout', 'post', 200, order)).toBe('Order');
    const read = await fetch(
      `${bff.url}/trpc/order.get?input=${encodeURIComponent(JSON.stringify({ id: order.result.data.id }))}`,
      { headers: auth },
    );
    expect(checkAnswer(doc, 'order.get', 'get', 200, await read.json())).toBe('Order');

    const missing = await fetch(
      `${bff.url}/trpc/order.get?input=${encodeURIComponent(JSON.stringify({ id: newId() }))}`,
      { headers: auth },
    );
    expect(missing.status).toBe(404);
    const error = (await missing.json()) as contracts.ErrorEnvelope;
    expect(error.error.data).toMatchObject({
      code: 'NOT_FOUND',
      httpStatus: 404,
      appCode: 'ORDER_NOT_FOUND',
      path: 'order.get',
    });
    expect(checkAnswer(doc, 'order.get', 'get', 404, error)).toBe('ErrorEnvelope');

    const bad = await fetch(`${bff.url}/trpc/cart.addItem`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ skuId: product.skus[0].id, quantity: 0 }),
    });
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as contracts.ErrorEnvelope;
    expect(badBody.error.data.zodError?.fieldErrors.quantity).toBeDefined();
    checkAnswer(doc, 'cart.addItem', 'post', 400, badBody);
  });
});
