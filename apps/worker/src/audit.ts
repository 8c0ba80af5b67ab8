import { createLogger, loadConfigOrExit } from '@zjmall/platform';
import { bootRuntime } from '@zjmall/api';

/**
 * `npm run inventory:audit`: recomputes every SKU's stock from the ledger and its reserved count
 * from active reservations, prints the report as JSON; exit 0 when all agree, 1 when not.
 */
const config = loadConfigOrExit();
const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'audit');
// While the shop runs on the embedded database, use its server (it keeps running after this).
const rt = await bootRuntime(config, log, 'zjmall-audit', { shareEmbedded: true });
let code = 2;
try {
  const report = await rt.services.inventory.audit();
  console.log(JSON.stringify(report, null, 2));
  code = report.mismatchCount === 0 ? 0 : 1;
} finally {
  await rt.close();
}
process.exit(code);
