import {
  createDb,
  createLogger,
  loadConfigOrExit,
  migrateDown,
  migrateUp,
  migrationStatus,
  resolveSecrets,
  startEmbeddedPostgres,
} from '@zjmall/platform';
import { allMigrations } from '@zjmall/api';

const usage = `npm run migrate [-- up | down [--steps N | --all] | status]
  up (default)  apply every pending migration of every module, in the module DAG's order
  down          revert the newest migration (--steps N: the N newest; --all: every one)
  status        list applied and pending migrations`;

const [cmd = 'up', ...rest] = process.argv.slice(2);
if (!['up', 'down', 'status'].includes(cmd)) {
  console.error(usage);
  process.exit(64);
}
const config = loadConfigOrExit();
const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'migrate');
const secrets = resolveSecrets(config);
const embedded = config.DATABASE_URL
  ? null
  : await startEmbeddedPostgres(config.DATA_DIR, secrets.embeddedDbPassword, log, { shareRunning: true });
const url = config.DATABASE_URL ?? embedded!.url;
const db = createDb({ url, poolMax: 2, applicationName: 'zjmall-migrate' });
try {
  if (cmd === 'up') {
    const ran = await migrateUp(db, url, allMigrations);
    console.log(ran.length ? `applied:\n  ${ran.join('\n  ')}` : 'nothing to apply');
  } else if (cmd === 'down') {
    const all = rest.includes('--all');
    const i = rest.indexOf('--steps');
    const steps = i >= 0 ? Number(rest[i + 1]) : 1;
    if (!all && (!Number.isInteger(steps) || steps < 1)) throw new Error('--steps takes a positive integer');
    const reverted = await migrateDown(db, url, allMigrations, all ? { to: 0 } : { steps });
    console.log(reverted.length ? `reverted:\n  ${reverted.join('\n  ')}` : 'nothing to revert');
  } else {
    const s = await migrationStatus(db, allMigrations);
    console.log(
      `applied (${s.executed.length}):\n  ${s.executed.join('\n  ')}\npending (${s.pending.length}):\n  ${s.pending.join('\n  ')}`,
    );
  }
} finally {
  await db.close();
  await embedded?.stop();
}
