import type { Transaction } from 'sequelize';
import { EVENTS, type PriceChangedV1 } from '@zjmall/contracts';
import type { Db, Outbox } from '@zjmall/platform';
import { select } from './catalog.deps';
import { currentPrice } from './promotion-view';

/**
 * catalog.sku_promotions and the promotion each SKU shows (catalog.skus.promo_*), in SQL only.
 *
 * The rule for which promotion a SKU shows: of its promotions whose window holds the database's
 * clock, the one of the LATEST job (job ids are UUIDv7, so the greatest id is the newest job);
 * none: the base price. A newer job therefore overrides an older overlapping one for the SKUs it
 * priced, and when it ends the older one shows again if its window still holds.
 *
 * `statement_timestamp()` rather than `now()`: a transaction that waited for a SKU's lock must
 * judge windows by the time it got it, or it could re-show a promotion that another transaction
 * just ended (now() is the time the transaction began).
 */

/**
 * One published change of a SKU's current price. `jobId`: the job whose promotion the SKU shows
 * after the change or, when it returns to its base price, the job whose promotion ended.
 */
export interface ShownChange {
  skuId: string;
  productId: string;
  oldPrice: number;
  newPrice: number;
  jobId: string;
}

export interface NewPromotion {
  skuId: string;
  price: number;
  basePrice: number;
}

interface SkuPromoState {
  id: string;
  productId: string;
  price: number;
  promoPrice: number | null;
  promoJobId: string | null;
}

const current = (s: SkuPromoState) => currentPrice(s.promoPrice, s.price);

/**
 * Stores a job's promotions (a repeat of the same job and SKU keeps the first). Windows already
 * over are not stored (they could never show); those already started are stored active. Returns
 * the SKU ids stored active, which the caller must refresh in the same transaction.
 */
export async function insertPromotions(
  db: Db,
  jobId: string,
  promos: NewPromotion[],
  window: { startsAt: string; endsAt: string },
  transaction: Transaction,
): Promise<{ stored: number; activeSkuIds: string[] }> {
  if (promos.length === 0) return { stored: 0, activeSkuIds: [] };
  const rows = await select<{ skuId: string; state: string }>(
    db,
    `INSERT INTO catalog.sku_promotions (job_id, sku_id, price, base_price, starts_at, ends_at, state, due_at)
     SELECT $1, u.sku_id, u.price, u.base_price, w.starts_at, w.ends_at,
            CASE WHEN w.starts_at <= statement_timestamp() THEN 'active' ELSE 'scheduled' END,
            CASE WHEN w.starts_at <= statement_timestamp() THEN w.ends_at ELSE w.starts_at END
       FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS u(sku_id, price, base_price),
            (SELECT $5::timestamptz AS starts_at, $6::timestamptz AS ends_at) w
      WHERE w.ends_at > statement_timestamp()
     ON CONFLICT (job_id, sku_id) DO NOTHING
     RETURNING sku_id AS "skuId", state`,
    [
      jobId,
      promos.map((p) => p.skuId),
      promos.map((p) => p.price),
      promos.map((p) => p.basePrice),
      window.startsAt,
      window.endsAt,
    ],
    transaction,
  );
  return { stored: rows.length, activeSkuIds: rows.filter((r) => r.state === 'active').map((r) => r.skuId) };
}

/**
 * Claims up to `limit` promotions whose next boundary has passed (SKIP LOCKED: concurrent sweepers
 * take disjoint rows) and moves each past it: scheduled → active (or ended, if both boundaries
 * passed since the last sweep), active → ended. Returns the SKUs concerned.
 */
export async function claimDue(
  db: Db,
  limit: number,
  transaction: Transaction,
): Promise<{ claimed: number; skuIds: string[] }> {
  const rows = await select<{ skuId: string }>(
    db,
    `WITH due AS (
       SELECT job_id, sku_id FROM catalog.sku_promotions
        WHERE due_at <= statement_timestamp()
        ORDER BY due_at, job_id, sku_id LIMIT $1 FOR UPDATE SKIP LOCKED)
     UPDATE catalog.sku_promotions p
        SET state = CASE WHEN p.ends_at <= statement_timestamp() THEN 'ended' ELSE 'active' END,
            due_at = CASE WHEN p.ends_at <= statement_timestamp() THEN NULL ELSE p.ends_at END
       FROM due WHERE p.job_id = due.job_id AND p.sku_id = due.sku_id
     RETURNING p.sku_id AS "skuId"`,
    [limit],
    transaction,
  );
  return { claimed: rows.length, skuIds: [...new Set(rows.map((r) => r.skuId))] };
}

/**
 * Re-decides which promotion each SKU shows and publishes it on the SKU row. Returns the SKUs whose
 * row changed (their cache entries must go) and the changes of the current price among them (a
 * promotion swapped for another of the same price changes no price, only `promotion`).
 * The SKU rows are locked first, in id order (as every SKU writer locks them), in a statement of
 * their own so the decision is made on what committed while this transaction waited.
 */
export async function refreshShown(
  db: Db,
  skuIds: string[],
  transaction: Transaction,
): Promise<{ touched: { skuId: string; productId: string }[]; changes: ShownChange[] }> {
  if (skuIds.length === 0) return { touched: [], changes: [] };
  const before = await select<SkuPromoState>(
    db,
    `SELECT id, product_id AS "productId", price, promo_price AS "promoPrice", promo_job_id AS "promoJobId"
       FROM catalog.skus WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [skuIds],
    transaction,
  );
  const after = await select<SkuPromoState>(
    db,
    `UPDATE catalog.skus s
        SET promo_price = n.price, promo_job_id = n.job_id, promo_starts_at = n.starts_at, promo_ends_at = n.ends_at,
            -- When the current price changed: at the end of a cheaper promotion that ended (reads stopped
            -- showing it then), or now when what shows changes (a start, a switch between promotions).
            price_changed_at = greatest(s.price_changed_at,
              CASE WHEN s.promo_ends_at <= statement_timestamp() AND s.promo_price < s.price THEN s.promo_ends_at END,
              CASE WHEN (CASE WHEN s.promo_ends_at > statement_timestamp() THEN least(s.promo_price, s.price) ELSE s.price END)
                     <> (CASE WHEN n.job_id IS NOT NULL THEN least(n.price, s.price) ELSE s.price END)
                   THEN statement_timestamp() END)
       FROM (SELECT t.id, sh.job_id, sh.price, sh.starts_at, sh.ends_at
               FROM unnest($1::uuid[]) AS t(id)
               LEFT JOIN LATERAL (
                 SELECT p.job_id, p.price, p.starts_at, p.ends_at FROM catalog.sku_promotions p
                  WHERE p.sku_id = t.id AND p.state <> 'ended'
                    AND p.starts_at <= statement_timestamp() AND p.ends_at > statement_timestamp()
                  ORDER BY p.job_id DESC LIMIT 1) sh ON true) n
      WHERE s.id = n.id AND s.promo_job_id IS DISTINCT FROM n.job_id
     RETURNING s.id, s.product_id AS "productId", s.price, s.promo_price AS "promoPrice", s.promo_job_id AS "promoJobId"`,
    [skuIds],
    transaction,
  );
  const old = new Map(before.map((s) => [s.id, s]));
  const changes: ShownChange[] = [];
  for (const s of after) {
    const was = old.get(s.id)!;
    if (current(was) === current(s)) continue;
    changes.push({
      skuId: s.id,
      productId: s.productId,
      oldPrice: current(was),
      newPrice: current(s),
      jobId: (s.promoJobId ?? was.promoJobId)!,
    });
  }
  return { touched: after.map((s) => ({ skuId: s.id, productId: s.productId })), changes };
}

/**
 * One catalog.price_changed per job among `changes` (source 'job', aggregate = the job), in the
 * caller's transaction. A sweeper batch normally holds one job's boundary (it takes due rows in
 * boundary-time, then job order), hence one event per batch.
 */
export async function addPriceEvents(outbox: Outbox, changes: ShownChange[], transaction: Transaction): Promise<void> {
  const byJob = new Map<string, ShownChange[]>();
  for (const c of changes) {
    const list = byJob.get(c.jobId);
    if (list) list.push(c);
    else byJob.set(c.jobId, [c]);
  }
  if (byJob.size === 0) return;
  await outbox.add(
    transaction,
    [...byJob].map(([jobId, list]) => {
      const data: PriceChangedV1 = {
        changes: list.map((c) => ({ skuId: c.skuId, oldPrice: c.oldPrice, newPrice: c.newPrice })),
        source: 'job',
        jobId,
      };
      return { type: EVENTS.catalog.priceChanged, aggregateId: jobId, data, version: 1 };
    }),
  );
}

/** Milliseconds (database clock) until the next pending boundary; null when none is pending. */
export async function msToNextBoundary(db: Db): Promise<number | null> {
  const [row] = await select<{ ms: number | null }>(
    db,
    `SELECT (extract(epoch FROM min(due_at) - statement_timestamp()) * 1000)::float8 AS ms
       FROM catalog.sku_promotions WHERE due_at IS NOT NULL`,
    [],
  );
  return row?.ms ?? null;
}
