import type { Logger } from '@zjmall/platform';
import { SALE_TICK_MS, type SaleService } from './sale.service';

export interface SaleAdmitter {
  start(): void;
  stop(): Promise<void>;
}

/** Without a wake, the admitter looks for open queued sales this often (a missed wake costs at most this). */
export const SALE_LOOK_EVERY_MS = 60_000;
/** After a failed pass, the sale is tried again this much later. */
const RETRY_MS = 1000;

/**
 * Runs admission passes only where one is due, so a process with no queued sale open costs one
 * indexed read a minute. It looks at every open queued sale at start, every `lookEveryMs`, and when
 * told (`sales.onWake(null)`: a `setSale` anywhere, the bus reconnected); a new ticket anywhere wakes
 * its sale at once (`onWake(saleId)`). Each pass says when the sale's next one is due (`admitSale`'s
 * `nextInMs`: every `SALE_TICK_MS` while tickets wait, less often while they are all told sold out,
 * at the next grace's end), or that none is until the next wake. One pass at a time in this process;
 * safe in every process as before: a sale's pass takes an advisory lock, and the admission rate is a
 * token bucket kept on the sale's row.
 */
export function createSaleAdmitter(deps: { sales: SaleService; log: Logger; lookEveryMs?: number }): SaleAdmitter {
  const lookEvery = deps.lookEveryMs ?? SALE_LOOK_EVERY_MS;
  /** Sale id → when its next pass is due (this process's clock). */
  const due = new Map<string, number>();
  let lookAt = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  let offWake: (() => void) | null = null;
  /** The sale whose pass is running, and whether a wake came for it meanwhile. */
  let passing: string | null = null;
  let wokenDuringPass = false;

  async function cycle() {
    if (Date.now() >= lookAt) {
      lookAt = Date.now() + lookEvery;
      for (const id of await deps.sales.openSales()) if (!due.has(id)) due.set(id, 0);
    }
    for (const [id, at] of [...due]) {
      if (stopped) return;
      if (at > Date.now()) continue;
      due.delete(id);
      passing = id;
      wokenDuringPass = false;
      let next: number | null;
      try {
        next = (await deps.sales.admitSale(id)).nextInMs;
      } catch (err) {
        deps.log.error({ err, saleId: id }, 'sale admission pass failed');
        next = RETRY_MS;
      } finally {
        passing = null;
      }
      // A ticket issued while the pass ran may not have been seen by it: one more pass soon.
      if (wokenDuringPass) next = Math.min(next ?? SALE_TICK_MS, SALE_TICK_MS);
      if (next !== null) due.set(id, Date.now() + next);
    }
  }

  function schedule() {
    if (stopped || running) return;
    if (timer) clearTimeout(timer);
    const next = Math.min(lookAt, ...due.values());
    timer = setTimeout(run, Math.max(0, next - Date.now()));
  }

  function run() {
    timer = null;
    running = cycle()
      .catch((err: unknown) => {
        deps.log.error({ err }, 'sale admission look failed');
        lookAt = Math.min(lookAt, Date.now() + RETRY_MS);
      })
      .finally(() => {
        running = null;
        schedule();
      });
  }

  function wake(saleId: string | null) {
    if (stopped) return;
    if (saleId === null) lookAt = 0;
    else if (saleId === passing) wokenDuringPass = true;
    // A sale already due within a tick stays as it is (a burst of joins is not a burst of passes).
    else if ((due.get(saleId) ?? Infinity) > Date.now() + SALE_TICK_MS) due.set(saleId, 0);
    else return;
    schedule();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      lookAt = 0;
      offWake = deps.sales.onWake(wake);
      schedule();
    },
    async stop() {
      stopped = true;
      offWake?.();
      offWake = null;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
      due.clear();
    },
  };
}
