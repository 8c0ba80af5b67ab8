import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors';
import { createLogger } from '../logger';
import { tracingOn } from '../tracing';
import { createContextFactory } from './context';
import { createCallerFactory, guestProcedure, publicProcedure, router } from './init';

// Its own file: it registers a global tracer provider, which stays for the rest of the process.
const appRouter = router({
  ok: publicProcedure.query(() => 1),
  short: publicProcedure.query(() => {
    throw new DomainError('INSUFFICIENT_STOCK', 'Not enough stock');
  }),
  mine: guestProcedure.query(({ ctx }) => ctx.caller),
});
const caller = createCallerFactory(appRouter)(
  createContextFactory({ authenticate: async () => ({ ok: false, reason: 'invalid' }), log: createLogger('silent') })({
    requestId: 'req-1',
    ip: '127.0.0.1',
    authorization: 'Bearer nope',
  }),
);

describe('a span per procedure call', () => {
  it('is not started while no SDK is registered, and is once one is, with the appCode of a failure', async () => {
    expect(tracingOn()).toBe(false);
    expect(await caller.ok()).toBe(1);

    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    try {
      expect(tracingOn()).toBe(true);
      expect(await caller.ok()).toBe(1);
      await expect(caller.short()).rejects.toThrow('Not enough stock');
      await expect(caller.mine()).rejects.toThrow('Invalid token');
      const spans = exporter
        .getFinishedSpans()
        .map((s) => ({ name: s.name, attributes: s.attributes, status: s.status.code }));
      expect(spans).toEqual([
        { name: 'ok', attributes: expect.objectContaining({ 'rpc.system': 'trpc', 'trpc.type': 'query' }), status: 0 },
        {
          name: 'short',
          attributes: expect.objectContaining({ 'zjmall.app_code': 'INSUFFICIENT_STOCK' }),
          status: 2,
        },
        { name: 'mine', attributes: expect.objectContaining({ 'zjmall.app_code': 'UNAUTHENTICATED' }), status: 2 },
      ]);
    } finally {
      await provider.shutdown();
      trace.disable();
    }
    expect(tracingOn()).toBe(false);
  });
});
