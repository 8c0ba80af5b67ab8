import type { Logger } from '@zjmall/platform';
import type { InventoryService } from './inventory.service';

export interface InventorySweeper {
  start(): void;
  /** Stops the timer and waits for a sweep in flight. */
  stop(): Promise<void>;
  /** One sweep now (what the timer runs every interval). */
  runOnce(): Promise<{ released: number }>;
}

/**
 * Releases expired cart holds every `intervalSeconds` (SWEEP_INTERVAL_SECONDS). Sweeps never overlap
 * in one process (the next is scheduled after the last ends); several processes may sweep at once.
 */
export function createInventorySweeper(deps: {
  inventory: Pick<InventoryService, 'releaseExpired'>;
  intervalSeconds: number;
  log: Logger;
}): InventorySweeper {
  const { inventory, log } = deps;
  const intervalMs = Math.max(50, deps.intervalSeconds * 1000);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  const tick = () => {
    running = inventory
      .releaseExpired()
      .catch((err: unknown) => log.error({ err }, 'inventory sweep failed'))
      .finally(() => {
        running = undefined;
        schedule();
      });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    runOnce: () => inventory.releaseExpired(),
  };
}
