// One k6 VU (or the setup/teardown context) in its own worker thread, as k6 gives each VU its own
// JS runtime: maps the k6 modules to the stand-in, defines __ENV/__VU/__ITER, imports the script
// (its init code), runs one phase and posts what it recorded. Script exceptions are recorded,
// not thrown: k6 logs a failed iteration and goes on; the test treats any as a failure.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { records } from './state.mjs';

register('./hooks.mjs', import.meta.url);

const { script, phase, vu, env, data } = workerData;
globalThis.__ENV = { ...env };
globalThis.__VU = vu;
globalThis.__ITER = 0;

const out = { options: null, exports: [], data: null };
try {
  const mod = await import(pathToFileURL(script).href);
  out.exports = Object.keys(mod).sort();
  out.options = mod.options === undefined ? null : JSON.parse(JSON.stringify(mod.options));
  // k6 hands setup()'s result to every VU and to teardown() as JSON.
  const input = data === null ? undefined : JSON.parse(data);
  if (phase === 'setup' && typeof mod.setup === 'function') out.data = JSON.stringify(mod.setup() ?? null);
  if (phase === 'vu') {
    if (typeof mod.default !== 'function') throw new Error('the script exports no default function');
    mod.default(input);
  }
  if (phase === 'teardown' && typeof mod.teardown === 'function') mod.teardown(input);
} catch (e) {
  records.errors.push({ phase, vu, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
parentPort.postMessage({ ...out, records });
