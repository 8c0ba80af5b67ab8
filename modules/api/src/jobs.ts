import { inventoryAuditMismatches, inventoryAuditTimestamp, type Platform } from '@zjmall/platform';
import { createInventorySweeper } from '@zjmall/inventory';
import { createPromotionSweeper, createSaleAdmitter } from '@zjmall/catalog';
import { createOrderTimeoutCanceller } from '@zjmall/order';
import { createPriceJobRunner, createPricingPool } from '@zjmall/pricing';
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
    // Carts untouched for 30 days, and lines whose product has been off sale for 30 days.
    { name: 'cart.cleanup', everyMs: 60 * 60_000, run: () => services.cart.cleanup() },
    // Payment callbacks stored in the inbox but never processed (a crash between the two).
    { name: 'payment.inbox', everyMs: 15_000, run: () => services.payment.reprocessInbox() },
    // Staff alerts: unpaid orders about to expire (in bulk) and dead-lettered events.
    {
      name: 'notification.alerts',
      everyMs: Math.max(1_000, platform.config.SWEEP_INTERVAL_SECONDS * 1000),
      run: () => services.notification.sweepAlerts(),
    },
    // The stock audit (`npm run inventory:audit`) as a metric: the stock-audit alert reads it.
    { name: 'inventory.audit', everyMs: 15 * 60_000, run: () => auditStock(services) },
    // Payments still pending at a provider after 2 minutes asked about (a late or lost notify); pending refunds asked again.
    { name: 'payment.reconcile', everyMs: 60_000, run: () => services.payment.reconcile() },
  ];
  const sweeper = createInventorySweeper({
    inventory: services.inventory,
    intervalSeconds: platform.config.SWEEP_INTERVAL_SECONDS,
    log,
  });
  sweeper.start();
  // Unpaid orders past ORDER_PAYMENT_TTL_SECONDS are cancelled and their stock released (SKIP LOCKED: safe in every process).
  const orderTimeouts = createOrderTimeoutCanceller({
    order: services.order,
    intervalSeconds: platform.config.SWEEP_INTERVAL_SECONDS,
    log,
  });
  orderTimeouts.start();
  // Promotional prices start and end at their windows' boundaries (it wakes at the next one it knows; polls at most every 1 s).
  const promotions = createPromotionSweeper({
    ...platform,
    intervalSeconds: Math.min(1, platform.config.SWEEP_INTERVAL_SECONDS),
  });
  promotions.start();
  // Queued sales: admission passes only where one is due — every 100 ms while tickets wait, none while no
  // queued sale is open (advisory lock per sale, shared token bucket: safe in every process).
  const saleAdmitter = createSaleAdmitter({ sales: services.sales, log });
  saleAdmitter.start();
  // Durable reactions (JetStream durable consumers with NATS, relay-fed in-process without). With
  // NATS unreachable the bus keeps retrying a registration until it succeeds (/ready lists the
  // pending ones); this rejects only for a programming error (a duplicate name).
  const durables = Promise.all(
    [...services.payment.durableHandlers(), ...services.notification.durableHandlers()].map((h) =>
      platform.bus.addDurable(h),
    ),
  ).catch((err: unknown) => log.error({ err }, 'durable handler not added'));
  // Price recalculation jobs: resumable, safe in several processes; their batches are evaluated on the
  // pool (it starts threads on first use) so this process's event loop stays free for requests.
  const threads = platform.config.PRICE_JOB_THREADS;
  const pricingPool = threads === 0 ? null : createPricingPool({ threads });
  const priceJobs = createPriceJobRunner({ db: platform.db, feed: services.pricingFeed, log, pool: pricingPool });
  priceJobs.start();
  // Outgoing webhooks: pending deliveries in PostgreSQL, sent by every process running jobs.
  const webhooks = services.notification.createWebhookDeliverer();
  webhooks.start();
  periodic.push({ name: 'notification.webhook-log', everyMs: 60 * 60_000, run: () => webhooks.prune() });
  let stopped = false;
  const running = new Set<Promise<unknown>>();
  const launch = (job: Periodic) => {
    if (stopped) return;
    const p = job
      .run()
      .catch((err: unknown) => log.error({ err, job: job.name }, 'periodic job failed'))
      .finally(() => running.delete(p));
    running.add(p);
  };
  const timers = periodic.map((job) => setInterval(() => launch(job), job.everyMs));
  // The audit also runs soon after start, so a fresh process reports a figure before a quarter hour.
  const firstAudit = setTimeout(() => launch(periodic.find((j) => j.name === 'inventory.audit')!), 30_000);
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      clearTimeout(firstAudit);
      await webhooks.stop();
      await sweeper.stop();
      await orderTimeouts.stop();
      await promotions.stop();
      await saleAdmitter.stop();
      await durables;
      await Promise.allSettled([...running]);
      await priceJobs.stop();
      await pricingPool?.close();
      await platform.relay.stop();
    },
  };
}

async function auditStock(services: Services): Promise<void> {
  const report = await services.inventory.audit();
  inventoryAuditMismatches.set(report.mismatchCount);
  inventoryAuditTimestamp.set(Date.now() / 1000);
}
