import type { Logger } from '@zjmall/platform';
import { SALE_TICK_MS, type SaleService } from './sale.service';

export interface SaleAdmitter {
  start(): void;
  stop(): Promise<void>;
}

/**
 * Runs `admitAll` every `everyMs` (default SALE_TICK_MS), one pass at a time. Safe in every process:
 * a sale's pass takes an advisory lock, and the admission rate is a token bucket kept on the sale's row.
 */
export function createSaleAdmitter(deps: { sales: SaleService; log: Logger; everyMs?: number }): SaleAdmitter {
  const every = deps.everyMs ?? SALE_TICK_MS;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  const loop = () => {
    running = deps.sales
      .admitAll()
      .then(
        () => undefined,
        (err: unknown) => deps.log.error({ err }, 'sale admission pass failed'),
      )
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(loop, every);
      });
  };
  return {
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setTimeout(loop, every);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
