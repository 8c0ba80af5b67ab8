/**
 * Child process of processes.test.ts: its own platform (config from the environment, as a BFF
 * process builds it). Prints {"ready":true}, then for each JSON command line on stdin builds an
 * inventory service with the command's options, fires `count` concurrent reservations of 1 on
 * `skuId` (each for a new cart) and prints one JSON line with the outcomes. Exits when stdin ends.
 *
 * With stallMs > 0 it blocks its event loop that long inside every reservation lock, and
 * lockTtlMs is shorter than that: the Redis lock expires mid-flight (nothing can extend it while
 * the loop is blocked), so the other process gets in while this one still works.
 */
import { createInterface } from 'node:readline';
import { createLogger, createPlatform, loadConfig, newId, type Config } from '@zjmall/platform';
import { createInventoryService, inventoryModels, type InventoryTestHooks } from './index';

interface Command {
  skuId: string;
  count: number;
  stallMs?: number;
  lockTtlMs?: number;
  maxBatch?: number;
}

const config = loadConfig(process.env) as Config & { DATABASE_URL: string };
const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 'reserve-fixture'), 'reserve-fixture');
platform.db.addModels(inventoryModels);

async function run(cmd: Command) {
  let lockLost = 0;
  const stallMs = cmd.stallMs ?? 0;
  const hooks: InventoryTestHooks | undefined = stallMs
    ? {
        async insideLock(signal) {
          signal.addEventListener('abort', () => lockLost++);
          const end = Date.now() + stallMs;
          while (Date.now() < end) {
            // a stalled process: no timers run, so nothing extends the lock
          }
          // Let the late extension find out that the lock was lost.
          await new Promise((r) => setTimeout(r, 5));
        },
      }
    : undefined;
  const svc = createInventoryService({
    ...platform,
    options: { lockTtlMs: cmd.lockTtlMs, maxBatch: cmd.maxBatch, hooks },
  });
  const results = await Promise.allSettled(
    Array.from({ length: cmd.count }, () =>
      svc.reserve({ type: 'cart', id: newId() }, [{ skuId: cmd.skuId, quantity: 1 }]),
    ),
  );
  const errors = results.flatMap((r) =>
    r.status === 'rejected' ? [r.reason as { appCode?: string; message?: string }] : [],
  );
  return {
    ok: results.length - errors.length,
    insufficient: errors.filter((e) => e.appCode === 'INSUFFICIENT_STOCK').length,
    other: errors.filter((e) => e.appCode !== 'INSUFFICIENT_STOCK').map((e) => e.message ?? String(e)),
    lockLost,
  };
}

try {
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim()) console.log(JSON.stringify(await run(JSON.parse(line) as Command)));
  }
} finally {
  await platform.close();
}
