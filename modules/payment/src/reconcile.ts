import type { PaymentChannel } from '@zjmall/contracts';
import { select, toProviderPayment, type PaymentDeps, type PaymentRow } from './payment.deps';
import type { Outcome } from './callback.handler';
import { ProviderUnavailable, type VerifiedCallback } from './providers/provider';
import type { RefundSettler } from './refund-settle';

/**
 * Reconciliation with the providers (a job in modules/api): payments still `pending` after a few
 * minutes are asked about (`trade.query`) — the notify may be late or lost — and the answer goes
 * through the same inbox path as a notify, under the same key, so a query and a notify have one
 * effect together; refunds still `pending` are asked again. A provider that does not answer, or
 * answers with a bad signature, changes nothing: the next run asks again.
 */
export function reconciler(
  deps: PaymentDeps,
  receive: (channel: PaymentChannel, cb: VerifiedCallback) => Promise<Outcome>,
  settler: RefundSettler,
) {
  const { db, providers, log } = deps;

  return async function reconcile(
    opts: { olderThanSeconds?: number; limit?: number } = {},
  ): Promise<{ asked: number; applied: number; unanswered: number; refundsSettled: number }> {
    const olderThanSeconds = opts.olderThanSeconds ?? 120;
    const limit = opts.limit ?? 50;
    const channels = [...providers.values()].filter((p) => p.query).map((p) => p.channel);
    let asked = 0;
    let applied = 0;
    let unanswered = 0;
    if (channels.length > 0) {
      const rows = await select<PaymentRow>(
        db,
        `SELECT * FROM payment.payments WHERE status = 'pending' AND channel = ANY($1::text[])
           AND created_at < now() - make_interval(secs => $2) ORDER BY created_at LIMIT $3`,
        [channels, olderThanSeconds, limit],
      );
      for (const row of rows) {
        asked++;
        try {
          const cb = await providers.get(row.channel)!.query!(toProviderPayment(row));
          if (cb && cb.paymentId === row.id) {
            await receive(row.channel, cb);
            applied++;
          }
        } catch (err) {
          if (!(err instanceof ProviderUnavailable)) throw err;
          unanswered++;
          log.warn({ err, paymentId: row.id, channel: row.channel }, 'payment provider query not answered');
        }
      }
    }
    const refundsSettled = await settler.sweepPending({ olderThanSeconds: Math.min(olderThanSeconds, 60), limit });
    return { asked, applied, unanswered, refundsSettled };
  };
}
