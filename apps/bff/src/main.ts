import cluster from 'node:cluster';
import { createLogger, flushTraces, dependencyModes, loadConfigOrExit } from '@zjmall/platform';
import { bootRuntime, progressBar, seedDemoIfEmpty, startJobs, type FirstRunSeed, type Jobs } from '@zjmall/api';
import { buildApp } from './app';
import { serveClusterMetrics } from './metrics';

const config = loadConfigOrExit();
// In a terminal, lines a person reads; otherwise JSON lines for a log pipeline.
const log = createLogger(config.LOG_LEVEL, cluster.isWorker ? `bff#${cluster.worker?.id}` : 'bff', {
  pretty: process.stdout.isTTY === true,
});

if (config.BFF_PROCESSES > 1) {
  const modes = dependencyModes(config);
  const unset = [
    modes.database === 'embedded' && 'DATABASE_URL',
    modes.redis === 'in-process' && 'REDIS_URL',
    modes.nats === 'in-process' && 'NATS_URL',
  ].filter(Boolean);
  if (unset.length) {
    console.error(
      `BFF_PROCESSES=${config.BFF_PROCESSES} needs shared PostgreSQL, Redis and NATS, but ${unset.join(', ')} ${unset.length > 1 ? 'are' : 'is'} unset: ` +
        'embedded/in-process dependencies belong to one process. Set them, or use BFF_PROCESSES=1.',
    );
    process.exit(78);
  }
}

if (cluster.isPrimary && config.BFF_PROCESSES > 1) {
  runPrimary(config.BFF_PROCESSES);
} else {
  await runServer();
}

function runPrimary(n: number) {
  serveClusterMetrics();
  let stopping = false;
  log.info({ processes: n }, 'starting BFF cluster');
  for (let i = 0; i < n; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ worker: worker.id, code, signal }, 'BFF process died; starting a new one');
    cluster.fork();
  });
  const stop = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal: sig }, 'stopping BFF cluster');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    const deadline = setTimeout(() => process.exit(1), 30_000);
    deadline.unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function runServer() {
  const runtime = await bootRuntime(config, log, cluster.isWorker ? `zjmall-bff-${cluster.worker?.id}` : 'zjmall-bff');
  // A first run shows a shop (SEED_DEMO): the demo catalog before serving; one process seeds.
  let seeded: FirstRunSeed | null = null;
  try {
    seeded = await seedDemoIfEmpty(runtime, { log, onProgress: progressBar() });
  } catch (e) {
    await runtime.close();
    throw e;
  }
  const app = await buildApp({ runtime, log });
  let jobs: Jobs | null = null;
  if (config.RUN_JOBS) jobs = startJobs(runtime.platform, runtime.services);
  await app.listen({ host: config.HOST, port: config.PORT });
  log.info({ url: `http://${config.HOST}:${config.PORT}`, jobs: config.RUN_JOBS }, 'zjmall BFF listening');
  if (seeded) printFirstRun(seeded);

  let closing = false;
  const shutdown = async (sig: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal: sig }, 'shutting down: draining requests');
    // Open SSE streams would hold app.close() forever: give in-flight requests 10 s, then cut.
    const force = setTimeout(() => app.server.closeAllConnections(), 10_000);
    force.unref();
    try {
      await app.close();
      await jobs?.stop();
      await runtime.close();
      log.info('stopped');
      await flushTraces();
      process.exit(0);
    } catch (e) {
      log.error({ err: e }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Once, after the first-run seed: where the shop is and how to sign in (for a person, not a log line). */
function printFirstRun({ users, file }: FirstRunSeed) {
  process.stderr.write(
    `\nThe demo shop is ready: ${config.PUBLIC_BASE_URL}/\n` +
      `  admin     ${users.admin.email} / ${config.ADMIN_PASSWORD && config.ADMIN_EMAIL === users.admin.email ? '(ADMIN_PASSWORD)' : users.admin.password}\n` +
      `  customer  ${users.customer.email} / ${users.customer.password}\n` +
      `  (kept in ${file}; SEED_DEMO=false skips this seed)\n\n`,
  );
}
