import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { context, propagation, SpanKind, trace, type Context } from '@opentelemetry/api';
import type { EventEnvelope } from '@zjmall/contracts';
import { tracer } from '../tracing';

/**
 * W3C trace context on NATS messages: the publisher writes `traceparent`/`tracestate` headers from
 * the event's context (the span that published it, made by the relay from the outbox row's stored
 * context), the consumer continues that trace. Without tracing nothing is written or read.
 */
const eventContexts = new WeakMap<EventEnvelope, Context>();

/** The context an event is published in (the relay sets it per outbox row). */
export function setEventContext(event: EventEnvelope, ctx: Context): void {
  eventContexts.set(event, ctx);
}

/** Headers carrying the event's trace context, or undefined when there is none (tracing off). */
export function traceHeaders(event: EventEnvelope): MsgHdrs | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(eventContexts.get(event) ?? context.active(), carrier);
  const keys = Object.keys(carrier);
  if (keys.length === 0) return undefined;
  const h = headers();
  for (const k of keys) h.set(k, carrier[k]);
  return h;
}

/** The context a received message's headers carry (the active one when they carry none). */
export function messageContext(h: MsgHdrs | undefined): Context {
  if (!h) return context.active();
  return propagation.extract(context.active(), h, {
    keys: (c) => c.keys(),
    get: (c, key) => (c.has(key) ? c.get(key) : undefined),
  });
}

/** Runs a live (fan-out) handler in a CONSUMER span under the message's trace (an SSE push, a cache drop). */
export function runLive(h: MsgHdrs | undefined, event: EventEnvelope, fn: () => void): void {
  const parent = messageContext(h);
  if (!trace.getSpanContext(parent)) return fn();
  const span = tracer.startSpan(
    `${event.type} receive`,
    { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'zjmall.event_id': event.id } },
    parent,
  );
  try {
    context.with(trace.setSpan(parent, span), fn);
  } finally {
    span.end();
  }
}
