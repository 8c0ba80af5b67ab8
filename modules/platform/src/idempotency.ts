import { createHash } from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Db } from './db/sequelize';
import { DomainError } from './errors';
import { holdEvents, writeHeld } from './outbox/outbox';

/** JSON with object keys sorted, so the same input always hashes the same. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

export interface IdempotencyRequest {
  /** Caller and procedure, e.g. `user:<id>:order.checkout`: keys never collide across them. */
  scope: string;
  key: string;
  /** The input as sent (without the key): a repeat with a different input is IDEMPOTENCY_CONFLICT. */
  input: unknown;
}

/**
 * Runs `fn` once per (scope, key): the key row is inserted in the same transaction as the use case,
 * so either both commit or neither does. Events added in it are held and written with the answer
 * at its end (outbox.ts, inTransaction). A concurrent repeat waits on the row's insert and then
 * replays the stored answer; a repeat with another input is IDEMPOTENCY_CONFLICT.
 */
export async function withIdempotency<T>(
  db: Db,
  req: IdempotencyRequest,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const hash = createHash('sha256').update(stableJson(req.input)).digest('hex');
  return db.transaction(async (tx) => {
    holdEvents(tx);
    const inserted = await db.query<{ scope: string }>(
      `INSERT INTO platform.idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING scope`,
      { bind: [req.scope, req.key, hash], type: QueryTypes.SELECT, transaction: tx },
    );
    if (inserted.length === 0) {
      const [row] = await db.query<{ request_hash: string; response: T }>(
        `SELECT request_hash, response FROM platform.idempotency_keys WHERE scope = $1 AND key = $2`,
        { bind: [req.scope, req.key], type: QueryTypes.SELECT, transaction: tx },
      );
      if (row.request_hash !== hash) {
        throw new DomainError('IDEMPOTENCY_CONFLICT', 'This idempotency key was used with a different request', {
          idempotencyKey: req.key,
        });
      }
      return row.response;
    }
    const result = await fn(tx);
    // The answer, stored in the same transaction as the effect: with the transaction's events, in
    // one statement (outbox.ts, writeHeld).
    await writeHeld(db, tx, { scope: req.scope, key: req.key, response: JSON.stringify(result ?? null) });
    return result;
  });
}
