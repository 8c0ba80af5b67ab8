import { QueryTypes, type Transaction } from 'sequelize';
import type { PriceJob, PriceJobStatus, RecalculateInput } from '@zjmall/contracts';
import type { Db } from '@zjmall/platform';

/** A row of pricing.jobs as the runner uses it. */
export interface JobRow {
  id: string;
  status: PriceJobStatus;
  input: RecalculateInput;
  total: number;
  processed: number;
  changed: number;
  batches: number;
  cursor: string | null;
  error: string | null;
  attempts: number;
  leaseOwner: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

const COLUMNS = `id, status, input, total, processed, changed, batches, cursor, error, attempts,
  lease_owner AS "leaseOwner", created_at AS "createdAt", finished_at AS "finishedAt"`;

export function jobStore(db: Db) {
  const q = <T extends object>(sql: string, bind: unknown[], transaction?: Transaction) =>
    db.query<T>(sql, { bind, type: QueryTypes.SELECT, transaction });

  return {
    async insert(job: { id: string; input: RecalculateInput; total: number; createdBy: string | null }): Promise<void> {
      await db.query(`INSERT INTO pricing.jobs (id, input, total, created_by) VALUES ($1, $2::jsonb, $3, $4)`, {
        bind: [job.id, JSON.stringify(job.input), job.total, job.createdBy],
      });
    },

    async get(id: string): Promise<JobRow | undefined> {
      const [row] = await q<JobRow>(`SELECT ${COLUMNS} FROM pricing.jobs WHERE id = $1`, [id]);
      return row;
    },

    /** Takes the oldest queued job, or a running one whose lease expired (its runner died). */
    async claim(owner: string, leaseMs: number): Promise<JobRow | undefined> {
      const [row] = await q<JobRow>(
        `UPDATE pricing.jobs SET status = 'running', lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond',
                attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now()
          WHERE id = (SELECT id FROM pricing.jobs
                       WHERE status = 'queued' OR (status = 'running' AND lease_until < now())
                       ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING ${COLUMNS}`,
        [owner, leaseMs],
      );
      return row;
    },

    /** Locks the job for a batch; undefined when this runner no longer holds it (lease taken over). */
    async lockOwned(id: string, owner: string, transaction: Transaction): Promise<JobRow | undefined> {
      const [row] = await q<JobRow>(
        `SELECT ${COLUMNS} FROM pricing.jobs WHERE id = $1 AND status = 'running' AND lease_owner = $2 FOR UPDATE`,
        [id, owner],
        transaction,
      );
      return row;
    },

    async advance(
      id: string,
      step: { cursor: string; processed: number; changed: number; leaseMs: number },
      transaction: Transaction,
    ) {
      await db.query(
        `UPDATE pricing.jobs SET cursor = $2, processed = processed + $3, changed = changed + $4, batches = batches + 1,
                lease_until = now() + $5 * interval '1 millisecond', updated_at = now() WHERE id = $1`,
        { bind: [id, step.cursor, step.processed, step.changed, step.leaseMs], transaction },
      );
    },

    async finish(
      id: string,
      owner: string,
      outcome: { status: 'completed' } | { status: 'failed'; error: string },
      transaction?: Transaction,
    ) {
      await db.query(
        `UPDATE pricing.jobs SET status = $3, error = $4, finished_at = now(), lease_owner = NULL, lease_until = NULL, updated_at = now()
          WHERE id = $1 AND lease_owner = $2`,
        {
          bind: [id, owner, outcome.status, outcome.status === 'failed' ? outcome.error.slice(0, 2000) : null],
          transaction,
        },
      );
    },

    /** Gives the job back (a failed batch, or a runner stopping) for any runner to resume from its cursor. */
    async release(id: string, owner: string, error: string | null) {
      await db.query(
        `UPDATE pricing.jobs SET lease_until = now(), error = $3, updated_at = now() WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
        { bind: [id, owner, error === null ? null : error.slice(0, 2000)] },
      );
    },
  };
}

export type JobStore = ReturnType<typeof jobStore>;

export function toPriceJob(row: JobRow): PriceJob {
  return {
    jobId: row.id,
    status: row.status,
    processed: row.processed,
    total: row.total,
    changed: row.changed,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt ? row.finishedAt.toISOString() : null,
  };
}
