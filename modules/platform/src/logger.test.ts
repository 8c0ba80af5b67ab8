import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createLogger } from './logger';

const capture = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  return { stream, text: () => text };
};
const settle = () => new Promise((r) => setImmediate(r));

describe('createLogger', () => {
  it('writes JSON lines by default', async () => {
    const out = capture();
    createLogger('info', 'bff', { destination: out.stream }).info({ status: 200 }, 'GET /x 200');
    await settle();
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, name: 'bff', status: 200, msg: 'GET /x 200' });
  });

  it('names the service, stamps ISO-8601 UTC times and redacts secrets wherever they sit', async () => {
    const out = capture();
    const log = createLogger('info', 'bff#2', { destination: out.stream });
    log.info(
      {
        password: 'hunter2 password',
        input: { email: 'a@example.com', password: 'nested password' },
        req: { headers: { authorization: 'Bearer abc.def.ghi' } },
        config: { JWT_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://u:pw@h/db' },
      },
      'hello',
    );
    await settle();
    const line = JSON.parse(out.text()) as Record<string, unknown>;
    expect(line).toMatchObject({ service: 'bff', name: 'bff#2', pid: process.pid });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (const secret of ['hunter2', 'nested password', 'abc.def.ghi', 'x'.repeat(40), 'u:pw@']) {
      expect(out.text()).not.toContain(secret);
    }
    expect(line).toMatchObject({ input: { email: 'a@example.com', password: '[redacted]' } });
  });

  it('redacts in arrays and errors (and in a child’s lines), leaves the caller’s objects as they were, and copies nothing else', async () => {
    const out = capture();
    const log = createLogger('info', 'bff', { destination: out.stream });
    const input = { items: [{ sku: 'a', token: 'tok-in-array' }], email: 'b@example.com' };
    const err = Object.assign(new Error('login failed'), { password: 'pw-on-error', code: 'E1' });
    log.info({ input, err }, 'with secrets');
    log.child({ requestId: 'r1' }).info({ status: 200, auth: { token: 'tok-in-child-line' } }, 'child');
    const clean = { status: 200, nested: { deep: { deeper: { password: 'below three levels' } } } };
    log.info(clean, 'clean');
    await settle();
    const [first, child] = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const secret of ['tok-in-array', 'pw-on-error', 'tok-in-child-line']) expect(out.text()).not.toContain(secret);
    expect(first).toMatchObject({
      input: { items: [{ sku: 'a', token: '[redacted]' }], email: 'b@example.com' },
      err: { type: 'Error', message: 'login failed', code: 'E1', password: '[redacted]' },
    });
    expect((first.err as { stack: string }).stack).toContain('login failed');
    expect(child).toMatchObject({ requestId: 'r1', auth: { token: '[redacted]' }, status: 200 });
    // The caller's objects are untouched.
    expect(input.items[0].token).toBe('tok-in-array');
    expect(err.password).toBe('pw-on-error');
    // Three levels, as documented: a fourth is written as it is.
    expect(out.text()).toContain('below three levels');
  });

  it('carries the trace id and span id of the active span', async () => {
    const provider = new NodeTracerProvider();
    provider.register();
    try {
      const out = capture();
      const log = createLogger('info', 'worker', { destination: out.stream });
      let ids = { traceId: '', spanId: '' };
      provider.getTracer('test').startActiveSpan('work', (span) => {
        ids = span.spanContext();
        log.info('inside');
        span.end();
      });
      log.info('outside');
      await settle();
      const [inside, outside] = out
        .text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(inside).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, msg: 'inside' });
      expect(outside.trace_id).toBeUndefined();
    } finally {
      await provider.shutdown();
    }
  });

  it('writes lines a person reads with pretty (pino-pretty)', async () => {
    const out = capture();
    createLogger('info', 'bff', { pretty: true, destination: out.stream }).info({ status: 200 }, 'GET /x 200');
    await settle();
    const line = out.text();
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(bff\): GET \/x 200\n/);
    expect(line).toContain('status: 200');
    expect(line).not.toContain('{"level"');
  });
});
