import { createLogger, loadConfigOrExit } from '@zjmall/platform';
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

let closing = false;
async function shutdown(sig: string) {
  if (closing) return;
  closing = true;
  log.info({ signal: sig }, 'worker stopping');
  try {
    await jobs.stop();
    await runtime.close();
    process.exit(0);
  } catch (e) {
    log.error({ err: e }, 'unclean worker shutdown');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
