import type { Migration } from '@zjmall/platform';

const FULFILMENT = `('pending_payment','paid','shipped','completed','cancelled')`;
const LEGACY = `('pending_payment','paid','shipped','completed','cancelled','partially_refunded','refunded')`;

/**
 * Refunds beside fulfilment: `status` keeps the fulfilment lifecycle, `refund_status` (none, partial,
 * full) carries refunds. Existing partially_refunded/refunded orders get back the fulfilment status
 * their log last recorded (paid, shipped or completed; refunds could follow only those), and their
 * refund log rows become refund entries (`from` = `to` = that status, `refund_status` set).
 */
export const m0002RefundStatus: Migration = {
  name: '0002-refund-status',
  async up({ sql }) {
    await sql(`ALTER TABLE "order".orders DROP CONSTRAINT orders_status_check`);
    await sql(`ALTER TABLE "order".orders ADD COLUMN refund_status text NOT NULL DEFAULT 'none'`);
    await sql(
      `ALTER TABLE "order".order_log ADD COLUMN refund_status text CHECK (refund_status IN ('partial','full'))`,
    );
    await sql(`WITH f AS (
        SELECT o.id, coalesce(
                 (SELECT l.to_status FROM "order".order_log l
                   WHERE l.order_id = o.id AND l.to_status IN ('paid','shipped','completed')
                   ORDER BY l.at DESC, l.id DESC LIMIT 1),
                 CASE WHEN o.completed_at IS NOT NULL THEN 'completed' WHEN o.shipped_at IS NOT NULL THEN 'shipped' ELSE 'paid' END
               ) AS fulfilment
          FROM "order".orders o WHERE o.status IN ('partially_refunded','refunded')
      ), logs AS (
        UPDATE "order".order_log l
           SET refund_status = CASE l.to_status WHEN 'refunded' THEN 'full' ELSE 'partial' END,
               from_status = f.fulfilment, to_status = f.fulfilment
          FROM f WHERE l.order_id = f.id AND l.to_status IN ('partially_refunded','refunded')
        RETURNING 1
      )
      UPDATE "order".orders o
         SET refund_status = CASE o.status WHEN 'refunded' THEN 'full' ELSE 'partial' END, status = f.fulfilment
        FROM f WHERE o.id = f.id`);
    await sql(`ALTER TABLE "order".orders ADD CONSTRAINT orders_status_check CHECK (status IN ${FULFILMENT})`);
    // The refund status is what the amounts say: nothing refunded, part of what was paid, or all of it.
    await sql(`ALTER TABLE "order".orders ADD CONSTRAINT orders_refund_status_check CHECK (refund_status =
      CASE WHEN refunded_amount = 0 THEN 'none' WHEN refunded_amount < paid_amount THEN 'partial' ELSE 'full' END)`);
  },
  async down({ sql }) {
    // Back to one status: a refunded order becomes partially_refunded/refunded again (a fulfilment
    // move made after its first refund is then no longer visible in its status, only in its log).
    await sql(`ALTER TABLE "order".orders DROP CONSTRAINT orders_refund_status_check`);
    await sql(`ALTER TABLE "order".orders DROP CONSTRAINT orders_status_check`);
    await sql(`UPDATE "order".orders SET status = CASE refund_status WHEN 'full' THEN 'refunded' ELSE 'partially_refunded' END
                WHERE refund_status <> 'none'`);
    await sql(`WITH r AS (
        SELECT l.id, CASE l.refund_status WHEN 'full' THEN 'refunded' ELSE 'partially_refunded' END AS to_status,
               lag(CASE WHEN l.refund_status = 'full' THEN 'refunded' WHEN l.refund_status = 'partial' THEN 'partially_refunded' ELSE l.to_status END)
                 OVER (PARTITION BY l.order_id ORDER BY l.at, l.id) AS from_status
          FROM "order".order_log l
      )
      UPDATE "order".order_log l SET to_status = r.to_status, from_status = r.from_status
        FROM r WHERE l.id = r.id AND l.refund_status IS NOT NULL`);
    await sql(`ALTER TABLE "order".order_log DROP COLUMN refund_status`);
    await sql(`ALTER TABLE "order".orders DROP COLUMN refund_status`);
    await sql(`ALTER TABLE "order".orders ADD CONSTRAINT orders_status_check CHECK (status IN ${LEGACY})`);
  },
};
