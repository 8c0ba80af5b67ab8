import { QueryTypes, type Transaction } from 'sequelize';
import type { EventEnvelope } from '@zjmall/contracts';
import type { Db } from '../db/sequelize';
import { isDomainError } from '../errors';
import type { Logger } from '../logger';
import type { DurableHandler } from './types';

/**
 * The one consumer wrapper: both buses (JetStream and in-process) feed durable handlers through
 * `deliverDurable`, which turns a handler's outcome into ack / term / retry.
 */

/** Deliveries of one event to one durable handler before it is dead-lettered (JetStream max_deliver). */
export const MAX_DELIVER = 10;

/** True when a handler or live listener registered for `types` wants an event of `type`. */
export function matchesType(types: readonly string[], type: string): boolean {
  return types.includes('*') || types.includes(type);
}

/** Claims `event` for `handler` in platform.handled_events, in `tx`; false when it was claimed before. */
async function claim(db: Db, tx: Transaction, handler: DurableHandler, event: EventEnvelope): Promise<boolean> {
  const claimed = await db.query(
    `INSERT INTO platform.handled_events (consumer, event_id) VALUES ($1, $2)
     ON CONFLICT DO NOTHING RETURNING event_id`,
    { bind: [handler.name, event.id], transaction: tx, type: QueryTypes.SELECT },
  );
  return claimed.length > 0;
}

/**
 * Runs the handler once per (handler, event): in one transaction, claims the event id in
 * platform.handled_events, then lets the handler work in that transaction. A concurrent
 * redelivery blocks on the primary key until the first commits (then it is a duplicate) or rolls
 * back (then it runs).
 */
export async function runDurable(
  db: Db,
  handler: DurableHandler,
  event: EventEnvelope,
): Promise<'handled' | 'duplicate'> {
  return db.transaction(async (tx) => {
    if (!(await claim(db, tx, handler, event))) return 'duplicate';
    await handler.handle(event, tx);
    return 'handled';
  });
}

export type DeliveryOutcome = { outcome: 'handled' | 'duplicate' | 'dead' } | { outcome: 'retry'; error: unknown };

export function describeError(e: unknown): string {
  if (isDomainError(e)) return `${e.appCode}: ${e.message}`;
  if (e instanceof AggregateError) return `${e.message}: ${e.errors.map(describeError).join('; ')}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * Records that `handler` gave up on `event`. The event id is claimed in handled_events in the same
 * transaction, so a redelivery neither runs the handler again nor adds a second dead letter; an
 * operator replaying a dead letter deletes that handled_events row first.
 */
export async function deadLetter(
  db: Db,
  handler: DurableHandler,
  event: EventEnvelope,
  error: unknown,
): Promise<'dead' | 'duplicate'> {
  return db.transaction(async (tx) => {
    if (!(await claim(db, tx, handler, event))) return 'duplicate';
    await db.query(
      `INSERT INTO platform.dead_letters (consumer, event_id, event, error) VALUES ($1, $2, $3::jsonb, $4)`,
      { bind: [handler.name, event.id, JSON.stringify(event), describeError(error)], transaction: tx },
    );
    return 'dead';
  });
}

/**
 * Delivers one event to one durable handler and classifies the result:
 * handled/duplicate → ack; DomainError (permanent) or the last allowed attempt → dead letter, term;
 * anything else → retry later (nak). Never throws.
 */
export async function deliverDurable(
  db: Db,
  log: Logger,
  handler: DurableHandler,
  event: EventEnvelope,
  opts: { lastAttempt: boolean },
): Promise<DeliveryOutcome> {
  try {
    return { outcome: await runDurable(db, handler, event) };
  } catch (error) {
    const permanent = isDomainError(error);
    if (!permanent && !opts.lastAttempt) {
      log.warn(
        { err: error, consumer: handler.name, eventId: event.id, type: event.type },
        'durable handler failed; will retry',
      );
      return { outcome: 'retry', error };
    }
    try {
      const outcome = await deadLetter(db, handler, event, error);
      log.error(
        { err: error, consumer: handler.name, eventId: event.id, type: event.type },
        'durable handler gave up; event dead-lettered',
      );
      return { outcome };
    } catch (dlError) {
      // Keep the event alive rather than lose it: it is retried and dead-lettered later.
      log.error({ err: dlError, consumer: handler.name, eventId: event.id }, 'could not record dead letter');
      return { outcome: 'retry', error };
    }
  }
}
