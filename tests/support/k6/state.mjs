// What one VU's worker records (checks, requests, metric samples), and synchronous HTTP.
// k6's http.* calls block the VU; here the worker posts the request to the test's thread (which
// serves the BFF and does the fetch), sleeps on a SharedArrayBuffer until it is answered, then
// takes the answer off its port with receiveMessageOnPort — no event loop turn needed.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';

const { port, signal: signalBuffer, phase, vu, sleepCapMs } = workerData;
const signal = new Int32Array(signalBuffer);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export const records = { checks: [], requests: [], metrics: [], errors: [] };
export const groups = [];
/** The last exchange, quoted beside a failed check so the test's message shows what was answered. */
let last = null;

export function where() {
  return { phase, vu, group: groups.length ? `::${groups.join('::')}` : '' };
}

/** Sends `requests` (`[{method, url, body, headers, timeoutMs}]`), blocks until all are answered. */
export function exchange(requests) {
  Atomics.store(signal, 0, 0);
  port.postMessage({ requests });
  const longest = Math.max(...requests.map((r) => r.timeoutMs));
  if (Atomics.wait(signal, 0, 0, longest + 10_000) === 'timed-out')
    throw new Error('k6 stand-in: the test thread did not answer');
  // The answer is queued before the signal is raised; the short retry only guards that ordering.
  for (let tries = 0; tries < 100; tries++) {
    const answer = receiveMessageOnPort(port);
    if (answer) return answer.message.responses;
    Atomics.wait(sleeper, 0, 0, 5);
  }
  throw new Error('k6 stand-in: woken without an answer');
}

export function noteExchange(req, res) {
  last = `${req.method} ${req.url.slice(0, 200)} → ${res.status} ${res.error || String(res.body).slice(0, 400)}`;
}

export function lastExchange() {
  return last;
}

/** k6's sleep blocks the VU; think time shapes load, not correctness, so it is capped here. */
export function block(seconds) {
  const ms = Math.min(Math.max(0, seconds * 1000), sleepCapMs);
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}
