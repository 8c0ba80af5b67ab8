import type { Platform } from '@zjmall/platform';
import type { Services } from './services';

export interface Jobs {
  stop(): Promise<void>;
}

/**
 * Background work of a process: the outbox relay (one active across processes) and the periodic
 * sweepers. The BFF runs it in-process unless RUN_JOBS=false; apps/worker always runs it.
 */
export function startJobs(platform: Platform, _services: Services): Jobs {
  platform.relay.start();
  const timers: NodeJS.Timeout[] = [];
  // Later modules add their sweepers here (cart holds, order timeouts, retention), each safe with
  // several processes running it (conditional updates / SKIP LOCKED).
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await platform.relay.stop();
    },
  };
}
