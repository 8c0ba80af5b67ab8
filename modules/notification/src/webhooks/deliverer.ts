import { QueryTypes } from 'sequelize';
import type { Db, Logger } from '@zjmall/platform';
import { postTo, signWebhook } from './post';
import { resolveTarget, TargetRefused } from './target-guard';

export interface DelivererOptions {
  db: Db;
  log: Logger;
  timeoutSeconds: number;
  retryHours: number;
  allowPrivate: boolean;
  /** How often due deliveries are looked for (default 200 ms). */
  pollMs?: number;
  /** Webhooks delivered to at once by this process (default 8). */
  concurrency?: number;
}

/** Delay before the `attempt`-th retry: 1 s doubling, capped at 1 h, with full jitter over its upper half. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(1_000 * 2 ** Math.max(0, attempt - 1), 3_600_000);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Delivery rows are kept this long (the delivery log), then removed by `prune`. */
export const DELIVERY_LOG_DAYS = 30;

interface Claimed {
  id: string;
  webhook_id: string;
  event_type: string;
  body: string;
  attempts: number;
  url: string;
  secret: string;
  expired: boolean;
}

/**
 * Sends pending webhook deliveries: per webhook only the earliest pending one (by seq), so a later
 * event waits for the earlier one's success or give-up. A delivery is claimed by moving its
 * next_at past the attempt's deadline (a lease): another process skips it meanwhile, and if this
 * one dies the lease runs out and the delivery is tried again — with the same delivery id.
 */
export function createWebhookDeliverer(opts: DelivererOptions) {
  const { db, log } = opts;
  const pollMs = opts.pollMs ?? 200;
  const concurrency = opts.concurrency ?? 8;
  const leaseSeconds = opts.timeoutSeconds + 30;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;

  /** Claims up to `limit` due head-of-line deliveries of distinct webhooks. */
  async function claim(limit: number): Promise<Claimed[]> {
    return db.query<Claimed>(
      `WITH heads AS (
         SELECT DISTINCT ON (webhook_id) id, webhook_id, next_at FROM notification.webhook_deliveries
          WHERE status = 'pending' ORDER BY webhook_id, seq),
       due AS (
         SELECT d.id FROM heads h JOIN notification.webhook_deliveries d ON d.id = h.id
          WHERE h.next_at <= now() ORDER BY h.next_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED)
       UPDATE notification.webhook_deliveries d
          SET next_at = now() + make_interval(secs => $2), first_attempt_at = COALESCE(d.first_attempt_at, now())
         FROM due, notification.webhooks w
        WHERE d.id = due.id AND w.id = d.webhook_id
       RETURNING d.id, d.webhook_id, d.event_type, d.body, d.attempts, w.url, w.secret,
                 COALESCE(d.first_attempt_at, now()) < now() - make_interval(secs => $3) AS expired`,
      { bind: [limit, leaseSeconds, opts.retryHours * 3600], type: QueryTypes.SELECT },
    );
  }

  async function attempt(d: Claimed): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    try {
      const target = await resolveTarget(d.url, opts.allowPrivate);
      const t = Math.floor(Date.now() / 1000);
      const r = await postTo(
        target,
        {
          'x-zjmall-signature': signWebhook(d.secret, t, d.body),
          'x-zjmall-event': d.event_type,
          'x-zjmall-delivery': d.id,
        },
        d.body,
        opts.timeoutSeconds * 1000,
      );
      status = r.status;
      error = r.error ?? (status !== null && status >= 200 && status < 300 ? null : `HTTP ${status}`);
    } catch (e) {
      error = e instanceof TargetRefused ? `refused: ${e.message}` : e instanceof Error ? e.message : String(e);
    }
    const attempts = d.attempts + 1;
    if (error === null) {
      await db.query(
        `UPDATE notification.webhook_deliveries SET status = 'succeeded', attempts = $2, last_status = $3, last_error = NULL, delivered_at = now()
          WHERE id = $1`,
        { bind: [d.id, attempts, status] },
      );
      return;
    }
    // The window is counted from the first attempt (measured when this one was claimed).
    const dead = d.expired;
    await db.query(
      `UPDATE notification.webhook_deliveries
          SET status = CASE WHEN $5 THEN 'dead' ELSE 'pending' END, attempts = $2, last_status = $3, last_error = $4,
              next_at = now() + make_interval(secs => $6)
        WHERE id = $1`,
      { bind: [d.id, attempts, status, error.slice(0, 500), dead, retryDelayMs(attempts) / 1000] },
    );
    if (dead)
      log.warn({ deliveryId: d.id, webhookId: d.webhook_id, attempts, error }, 'webhook delivery dead-lettered');
  }

  async function runOnce(): Promise<number> {
    const claimed = await claim(concurrency);
    await Promise.all(
      claimed.map((d) => attempt(d).catch((err: unknown) => log.error({ err }, 'webhook delivery failed'))),
    );
    return claimed.length;
  }

  const loop = () => {
    if (stopped) return;
    running = runOnce()
      .catch((err: unknown) => log.warn({ err }, 'webhook deliverer pass failed'))
      .then((n) => {
        running = null;
        // Straight on while there is work; otherwise wait for the next poll.
        if (!stopped) timer = setTimeout(loop, typeof n === 'number' && n > 0 ? 0 : pollMs);
      });
  };

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    /** Removes finished deliveries older than the delivery log keeps. */
    async prune(): Promise<number> {
      const rows = await db.query(
        `DELETE FROM notification.webhook_deliveries
          WHERE status <> 'pending' AND created_at < now() - make_interval(days => $1) RETURNING id`,
        { bind: [DELIVERY_LOG_DAYS], type: QueryTypes.SELECT },
      );
      return rows.length;
    },
  };
}

export type WebhookDeliverer = ReturnType<typeof createWebhookDeliverer>;
