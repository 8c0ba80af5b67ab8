import type { Platform } from '@zjmall/platform';
import { createInventorySweeper } from '@zjmall/inventory';
import type { Services } from './services';

export interface Jobs {
  stop(): Promise<void>;
}

interface Periodic {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/**
 * Background work of a process: the outbox relay (one active across processes) and the periodic
 * sweepers. The BFF runs it in-process unless RUN_JOBS=false; apps/worker always runs it. Every
 * sweeper is safe with several processes running it (conditional updates / SKIP LOCKED), so
 * replicas need no coordination beyond the relay's lease.
 */
export function startJobs(platform: Platform, services: Services): Jobs {
  const { log } = platform;
  platform.relay.start();
  const periodic: Periodic[] = [
    { name: 'identity.login-throttle', everyMs: 10 * 60_000, run: () => services.identity.sweepLoginThrottle() },
  ];
  const sweeper = createInventorySweeper({ inventory: services.inventory, intervalSeconds: platform.config.SWEEP_INTERVAL_SECONDS, log });
  sweeper.start();
  let stopped = false;
  const running = new Set<Promise<unknown>>();
  const timers = periodic.map((job) =>
    setInterval(() => {
      if (stopped) return;
      const p = job
        .run()
        .catch((err: unknown) => log.error({ err, job: job.name }, 'periodic job failed'))
        .finally(() => running.delete(p));
      running.add(p);
    }, job.everyMs),
  );
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await sweeper.stop();
      await Promise.allSettled([...running]);
      await platform.relay.stop();
    },
  };
}
