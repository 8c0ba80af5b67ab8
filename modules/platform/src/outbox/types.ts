import type { Transaction } from 'sequelize';

/** An event as a use case records it, inside its own transaction (the relay publishes it after commit). */
export interface NewEvent<T = unknown> {
  type: string;
  aggregateId: string;
  data: T;
  /** Payload schema version; defaults to 1. */
  version?: number;
}

export interface Outbox {
  /** Writes the events in the caller's transaction; returns their ids. */
  add(tx: Transaction, events: NewEvent | NewEvent[]): Promise<string[]>;
}

export interface Relay {
  start(): void;
  /** Stops after the batch in flight; resolves when stopped and the lease is released. */
  stop(): Promise<void>;
  /** Publishes everything pending now (tests, shutdown). */
  drain(): Promise<number>;
  readonly isLeader: boolean;
}
