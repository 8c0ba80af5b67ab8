import { randomBytes } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type {
  Webhook,
  WebhookCreateInput,
  WebhookCreated,
  WebhookDeliveriesInput,
  WebhookDeliveryPage,
  WebhookUpdateInput,
} from '@zjmall/contracts';
import { FieldError, newId, type Db } from '@zjmall/platform';
import { decodeCursor, encodeCursor } from '../cursor';
import { resolveTarget, TargetRefused } from './target-guard';

interface WebhookRow {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const view = (r: WebhookRow): Webhook => ({
  id: r.id,
  url: r.url,
  events: r.events,
  active: r.active,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** `notification.admin.*Webhook(s)` and `deliveries`. */
export function createWebhookStore(deps: { db: Db; allowPrivate: () => boolean }) {
  const { db } = deps;

  async function checkUrl(url: string): Promise<void> {
    try {
      await resolveTarget(url, deps.allowPrivate());
    } catch (e) {
      if (e instanceof TargetRefused) throw new FieldError('BAD_REQUEST', ['url'], e.message);
      throw e;
    }
  }

  const notFound = () => new FieldError('BAD_REQUEST', ['id'], 'no such webhook');

  return {
    async create(input: WebhookCreateInput): Promise<WebhookCreated> {
      await checkUrl(input.url);
      const id = newId();
      const secret = input.secret ?? randomBytes(32).toString('hex');
      await db.query(`INSERT INTO notification.webhooks (id, url, events, secret) VALUES ($1, $2, $3::text[], $4)`, {
        bind: [id, input.url, [...new Set(input.events)], secret],
      });
      return { id, secret };
    },
    async list(): Promise<Webhook[]> {
      const rows = await db.query<WebhookRow>(
        `SELECT id, url, events, active, created_at, updated_at FROM notification.webhooks ORDER BY id`,
        { type: QueryTypes.SELECT },
      );
      return rows.map(view);
    },
    async update(input: WebhookUpdateInput): Promise<Webhook> {
      if (input.url !== undefined) await checkUrl(input.url);
      const [row] = await db.query<WebhookRow>(
        `UPDATE notification.webhooks SET url = COALESCE($2, url), events = COALESCE($3::text[], events),
                secret = COALESCE($4, secret), active = COALESCE($5, active), updated_at = now()
          WHERE id = $1 RETURNING id, url, events, active, created_at, updated_at`,
        {
          bind: [
            input.id,
            input.url ?? null,
            input.events ? [...new Set(input.events)] : null,
            input.secret ?? null,
            input.active ?? null,
          ],
          type: QueryTypes.SELECT,
        },
      );
      if (!row) throw notFound();
      return view(row);
    },
    async remove(id: string): Promise<{ id: string; deleted: true }> {
      const rows = await db.query(`DELETE FROM notification.webhooks WHERE id = $1 RETURNING id`, {
        bind: [id],
        type: QueryTypes.SELECT,
      });
      if (rows.length === 0) throw notFound();
      return { id, deleted: true };
    },
    async deliveries(input: WebhookDeliveriesInput): Promise<WebhookDeliveryPage> {
      const before = decodeCursor(input.cursor);
      const limit = 50;
      const rows = await db.query<{
        id: string;
        seq: string;
        event_id: string;
        event_type: string;
        status: 'pending' | 'succeeded' | 'dead';
        attempts: number;
        last_status: number | null;
        last_error: string | null;
        next_at: Date;
        created_at: Date;
        delivered_at: Date | null;
      }>(
        `SELECT id, seq, event_id, event_type, status, attempts, last_status, last_error, next_at, created_at, delivered_at
           FROM notification.webhook_deliveries
          WHERE webhook_id = $1
            AND ($2::uuid IS NULL OR seq < (SELECT seq FROM notification.webhook_deliveries WHERE id = $2::uuid))
          ORDER BY seq DESC LIMIT $3`,
        { bind: [input.webhookId, before, limit + 1], type: QueryTypes.SELECT },
      );
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          id: r.id,
          eventId: r.event_id,
          eventType: r.event_type,
          status: r.status,
          attempts: r.attempts,
          lastStatus: r.last_status,
          lastError: r.last_error,
          nextAttemptAt: r.status === 'pending' ? r.next_at.toISOString() : null,
          createdAt: r.created_at.toISOString(),
          deliveredAt: r.delivered_at ? r.delivered_at.toISOString() : null,
        })),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
      };
    },
  };
}
