import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { metricsRegistry } from '@zjmall/platform';

const REQ = 'zjmall:metrics:req';
const RES = 'zjmall:metrics:res';

interface MetricsMessage {
  type: typeof REQ | typeof RES;
  id: number;
  text?: string;
  error?: string;
}
const isMetricsMessage = (m: unknown): m is MetricsMessage =>
  typeof m === 'object' && m !== null && ((m as MetricsMessage).type === REQ || (m as MetricsMessage).type === RES);

/**
 * In the primary of a node:cluster: answers workers' /metrics requests with every worker's
 * metrics aggregated (prom-client's AggregatorRegistry asks each worker over IPC).
 */
export function serveClusterMetrics() {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', async (worker, msg: unknown) => {
    if (!isMetricsMessage(msg) || msg.type !== REQ) return;
    try {
      const text = await aggregator.clusterMetrics();
      worker.send({ type: RES, id: msg.id, text });
    } catch (e) {
      worker.send({ type: RES, id: msg.id, error: String(e) });
    }
  });
}

let nextId = 1;
const pending = new Map<number, (m: MetricsMessage) => void>();
if (cluster.isWorker) {
  // Constructing one installs prom-client's worker-side listener, which answers the primary's
  // AggregatorRegistry with this process's registry.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([metricsRegistry]);
  process.on('message', (msg: unknown) => {
    if (isMetricsMessage(msg) && msg.type === RES) pending.get(msg.id)?.(msg);
  });
}

/** Prometheus text: this process's registry, or the whole cluster's when running under node:cluster. */
export async function metricsText(): Promise<{ text: string; contentType: string }> {
  if (!cluster.isWorker || !process.send) {
    return { text: await metricsRegistry.metrics(), contentType: metricsRegistry.contentType };
  }
  const id = nextId++;
  const msg = await new Promise<MetricsMessage>((ok, fail) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      fail(new Error('metrics: the cluster primary did not answer'));
    }, 5000);
    pending.set(id, (m) => {
      clearTimeout(timer);
      pending.delete(id);
      ok(m);
    });
    process.send!({ type: REQ, id });
  });
  if (msg.error || msg.text === undefined) throw new Error(msg.error ?? 'metrics: empty answer');
  return { text: msg.text, contentType: metricsRegistry.contentType };
}
