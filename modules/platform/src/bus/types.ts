import type { EventEnvelope } from '@zjmall/contracts';
import type { Transaction } from 'sequelize';

/**
 * A durable reaction: must happen once per event. With NATS it is a JetStream durable consumer
 * named `name`; without, the outbox relay feeds it in-process. Either way the consumer wrapper
 * records handled event ids (platform.handled_events) in the handler's transaction, so a
 * redelivery has no second effect.
 */
export interface DurableHandler {
  /** Unique, stable name: the JetStream durable consumer name and the handled-ids scope. */
  name: string;
  /** Event types it reacts to (e.g. 'order.cancelled'). */
  types: string[];
  /** Runs inside a transaction that also records the event id as handled. Throw DomainError to drop (term), anything else to retry (nak). */
  handle(event: EventEnvelope, tx: Transaction): Promise<void>;
}

/** A fan-out listener: every process gets every matching event (cache invalidation, SSE). At-most-once, best-effort. */
export type LiveHandler = (event: EventEnvelope) => void;
export type BroadcastHandler = (payload: unknown) => void;

export interface Bus {
  readonly mode: 'in-process' | 'jetstream';
  /** Used by the outbox relay only: hand one event to the transport (JetStream with msgID = event.id, or in-process delivery). Resolves when the transport has accepted it. */
  publish(event: EventEnvelope): Promise<void>;
  /**
   * Optional, used by the outbox relay: several events in this order, pipelined (one write for all,
   * no wait for each acknowledgement). Resolves with how many of the leading events the transport
   * accepted — all of them, or those before the first failure, with that failure's error. Nothing
   * after a failed event is accepted, so the order still holds when the relay starts again there.
   */
  publishMany?(events: readonly EventEnvelope[]): Promise<{ published: number; error?: unknown }>;
  /**
   * Registers a durable reaction; with NATS, creates/updates its durable consumer and starts
   * consuming. When NATS cannot be reached it still resolves: the registration is retried in the
   * background (capped backoff, at once after a reconnection) until it succeeds, and the handler is
   * listed by `pendingDurables()` meanwhile. Rejects only for a duplicate name or a closed bus.
   */
  addDurable(handler: DurableHandler): Promise<void>;
  /** Names of durable handlers added but not registered yet (always empty in process). */
  pendingDurables(): string[];
  /** Fan-out to this process of events of the given types (use ['*'] for all). Returns an unsubscribe function. */
  onLive(types: string[], handler: LiveHandler): () => void;
  /** Non-event fan-out to every process (e.g. cache invalidations): plain NATS subjects outside the stream. */
  broadcast(topic: string, payload: unknown): Promise<void>;
  onBroadcast(topic: string, handler: BroadcastHandler): () => void;
  /**
   * Calls `handler` each time the transport is back after a disconnection: live events and
   * broadcasts sent meanwhile may never have reached this process, so whatever was built from them
   * (an in-memory cache, a subscription's view) should be read again. Never called in process.
   * Returns an unsubscribe function.
   */
  onReconnect(handler: () => void): () => void;
  /** True when the transport is reachable (for /ready). */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}
