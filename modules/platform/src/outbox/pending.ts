import type pg from 'pg';
import type { EventEnvelope } from '@zjmall/contracts';

/**
 * SQL of the relay, on its dedicated connection (the one holding the lease): when that connection
 * is gone, so is the relay's ability to read or mark anything.
 */

export interface OutboxRow {
  seq: number | string;
  id: string;
  type: string;
  aggregate_id: string;
  version: number;
  data: unknown;
  occurred_at: Date;
  attempts: number;
  /** The writing request's W3C trace context; null when tracing was off. */
  trace_context: Record<string, string> | null;
}

export function toEnvelope(row: OutboxRow): EventEnvelope {
  return {
    id: row.id,
    type: row.type,
    occurredAt: new Date(row.occurred_at).toISOString(),
    aggregateId: row.aggregate_id,
    version: row.version,
    data: row.data,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The highest seq below which every outbox row is final (committed or rolled back), or null if
 * that cannot be established within `maxWaitMs`.
 *
 * Why: seq is taken when a row is inserted, but transactions commit in their own order. Were the
 * relay to publish seq 11 while seq 10's transaction is still open, 10 would follow 11. So it reads
 * the sequence's last value B first, then finds the transactions that hold a lock on
 * platform.outbox (every INSERT takes RowExclusiveLock before drawing its seq), and waits for those to end —
 * and only those: writers that come later draw seqs above B. Writers are never blocked.
 */
export async function settledBound(
  c: pg.Client,
  opts: { maxWaitMs: number; active: () => boolean },
): Promise<number | null> {
  // One statement, in that order: the lateral join reads pg_locks once per row of `b`, so only
  // after the sequence has been read.
  const res = await c.query<{ last: number | string; vxids: string[] }>(
    `SELECT b.last, w.vxids
       FROM (SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS last FROM platform.outbox_seq_seq) b
       CROSS JOIN LATERAL (
         SELECT coalesce(array_agg(DISTINCT l.virtualtransaction), '{}') AS vxids
           FROM pg_locks l
          WHERE b.last IS NOT NULL
            AND l.locktype = 'relation'
            AND l.mode = 'RowExclusiveLock'
            AND l.relation = 'platform.outbox'::regclass
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.pid IS DISTINCT FROM pg_backend_pid()) w`,
  );
  const bound = Number(res.rows[0]?.last ?? 0);
  let open = res.rows[0]?.vxids ?? [];
  const deadline = Date.now() + opts.maxWaitMs;
  let pause = 1;
  while (open.length > 0) {
    if (Date.now() >= deadline || !opts.active()) return null;
    await sleep(pause);
    pause = Math.min(pause * 2, 20);
    // Every transaction holds a lock on its own virtual xid until it ends.
    const still = await c.query<{ vxids: string[] }>(
      `SELECT coalesce(array_agg(virtualxid), '{}') AS vxids
         FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY($1::text[])`,
      [open],
    );
    open = still.rows[0]?.vxids ?? [];
  }
  return bound;
}

export async function readPending(c: pg.Client, bound: number, limit: number): Promise<OutboxRow[]> {
  const res = await c.query<OutboxRow>(
    `SELECT seq, id, type, aggregate_id, version, data, occurred_at, attempts, trace_context
       FROM platform.outbox
      WHERE published_at IS NULL AND seq <= $1
      ORDER BY seq
      LIMIT $2`,
    [bound, limit],
  );
  return res.rows;
}

export async function markPublished(c: pg.Client, seqs: readonly (number | string)[]): Promise<void> {
  if (seqs.length === 0) return;
  await c.query(`UPDATE platform.outbox SET published_at = now(), last_error = NULL WHERE seq = ANY($1::bigint[])`, [
    seqs,
  ]);
}

export async function recordFailure(c: pg.Client, seq: number | string, error: string): Promise<void> {
  await c.query(`UPDATE platform.outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = $1`, [
    seq,
    error.slice(0, 2000),
  ]);
}

/** Whether anything at or below `bound` is still unpublished (drain waiting for another leader). */
export async function pendingUpTo(c: pg.Client, bound: number): Promise<boolean> {
  const res = await c.query(`SELECT 1 FROM platform.outbox WHERE published_at IS NULL AND seq <= $1 LIMIT 1`, [bound]);
  return (res.rowCount ?? 0) > 0;
}
