/**
 * `npm run chaos`: every scenario against real processes, each in its own world (redis-server,
 * nats-server -js, BFF and worker processes on free ports, a fresh database on the machine's
 * PostgreSQL). Prints the table and each failed invariant; exits 1 when one broke.
 * `npm run chaos -- <name filter>` runs the scenarios whose name contains the filter.
 */
import { cpus, hostname, loadavg } from 'node:os';
import { runScenario, scenarios, table, type ScenarioResult } from './scenarios';

const filter = process.argv[2]?.toLowerCase();
const chosen = scenarios.filter((s) => !filter || s.name.toLowerCase().includes(filter));
const results: ScenarioResult[] = [];
for (const s of chosen) {
  const t0 = Date.now();
  console.error(`▶ ${s.name} …`);
  const r = await runScenario(s);
  results.push(r);
  console.error(`  ${r.invariants.every((c) => c.ok) ? 'ok' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  for (const c of r.invariants) console.error(`    ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
}
console.log(
  `\n${new Date().toISOString()} · ${hostname()} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}\n`,
);
console.log(table(results));
process.exit(results.every((r) => r.invariants.every((c) => c.ok)) ? 0 : 1);
