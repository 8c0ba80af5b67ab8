import type { CatalogPricingFeed } from '@zjmall/catalog';
import { RecalculateInput, type PriceJob, type RecalculateOutput } from '@zjmall/contracts';
import { DomainError, newId, type Db, type Logger } from '@zjmall/platform';
import { jobStore, toPriceJob } from './jobs/job.store';

export interface PricingServiceDeps {
  db: Db;
  /** catalog's `createCatalogPricingFeed(platform)`. */
  feed: CatalogPricingFeed;
  log: Logger;
}

export interface PricingService {
  /** Queues a recalculation job (the job runner picks it up); `total` is counted now. */
  recalculate(input: RecalculateInput, operator: string | null): Promise<RecalculateOutput>;
  /** A job's status and progress; JOB_NOT_FOUND for an unknown id. */
  job(jobId: string): Promise<PriceJob>;
}

export function createPricingService({ db, feed, log }: PricingServiceDeps): PricingService {
  const store = jobStore(db);
  return {
    async recalculate(input, operator) {
      const parsed = RecalculateInput.parse(input);
      const jobId = newId();
      const total = await feed.countSkus(parsed.scope);
      await store.insert({ id: jobId, input: parsed, total, createdBy: operator });
      log.info({ jobId, total, rules: parsed.rules.length, operator }, 'price job queued');
      return { jobId };
    },
    async job(jobId) {
      const row = await store.get(jobId);
      if (!row) throw new DomainError('JOB_NOT_FOUND', `Job ${jobId} not found`);
      return toPriceJob(row);
    },
  };
}
