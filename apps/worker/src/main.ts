import { createServer } from 'node:http';
import { createLogger, flushTraces, loadConfigOrExit, metricsRegistry, watchPlatform } from '@zjmall/platform';
import { bootRuntime, startJobs } from '@zjmall/api';

/**
 * The background process of a production deployment (RUN_JOBS=false on the BFFs): the outbox
 * relay, the durable NATS consumers and the periodic sweepers. Several may run: the relay elects
 * one leader by advisory lock and every sweeper is safe to run concurrently.
 */
const config = loadConfigOrExit();
const log = createLogger(config.LOG_LEVEL, 'worker');
const runtime = await bootRuntime(config, log, 'zjmall-worker');
const jobs = startJobs(runtime.platform, runtime.services);
log.info('zjmall worker running');

// Its durable consumers, dead letters and stock audit, for Prometheus (METRICS_PORT; alerts.yml).
const metrics =
  config.METRICS_PORT > 0
    ? createServer((req, res) => {
        if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
          res.writeHead(404).end();
          return;
        }
        metricsRegistry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      }).listen(config.METRICS_PORT, config.HOST, () => log.info({ port: config.METRICS_PORT }, 'worker /metrics'))
    : null;
if (metrics) watchPlatform(runtime.platform);

let closing = false;
async function shutdown(sig: string) {
  if (closing) return;
  closing = true;
  log.info({ signal: sig }, 'worker stopping');
  try {
    metrics?.close();
    await jobs.stop();
    await runtime.close();
    await flushTraces();
    process.exit(0);
  } catch (e) {
    log.error({ err: e }, 'unclean worker shutdown');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
