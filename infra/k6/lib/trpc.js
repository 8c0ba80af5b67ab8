// The tRPC HTTP contract (docs/api.md, "Wire") for k6: no transformer, plain JSON.
//   query:    GET  /trpc/<path>?input=<url-encoded JSON>
//   mutation: POST /trpc/<path> with the JSON input as body
//   answer:   {"result":{"data":…}} or {"error":{"message","code","data":{"code","httpStatus","appCode",…}}}
// Every request is tagged `name: <path>` so k6 groups `?input=` URLs into one series per
// procedure, and thresholds can name one (`http_req_duration{name:order.checkout}`).
import http from 'k6/http';
import { check } from 'k6';

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');

/** A number from the environment, or `fallback`. */
export function envInt(name, fallback) {
  const v = __ENV[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got ${v}`);
  return n;
}

/** Unique enough for e-mails and idempotency keys across VUs, iterations and runs (k6 has no randomUUID). */
/** A ramping-vus scenario: up to `vus` over RAMP (30s), held for DURATION (2m), down in 10 s. */
export function rampingVus(vus) {
  return {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: __ENV.RAMP || '30s', target: vus },
      { duration: __ENV.DURATION || '2m', target: vus },
      { duration: '10s', target: 0 },
    ],
    gracefulRampDown: '10s',
  };
}

export function uid() {
  return `${Date.now().toString(36)}${__VU}x${__ITER}x${Math.random().toString(36).slice(2, 10)}`;
}

function params(path, opts) {
  const headers = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.json) headers['content-type'] = 'application/json';
  const p = { headers, tags: Object.assign({ name: path }, opts.tags || {}) };
  // Statuses the caller expects (e.g. 409 INSUFFICIENT_STOCK in a flash sale) are not failures
  // in `http_req_failed`; the caller still checks which domain answer it got.
  if (opts.expect && opts.expect.length)
    p.responseCallback = http.expectedStatuses({ min: 200, max: 399 }, ...opts.expect);
  return p;
}

/** `{path, status, ok, data, error, appCode, res}` from a k6 response. */
export function answer(path, res) {
  let body = null;
  try {
    body = res.json();
  } catch (_) {
    body = null; // not JSON (a proxy's error page, a timeout): ok stays false
  }
  const result = body && body.result;
  const error = body && body.error ? body.error : null;
  return {
    path,
    status: res.status,
    ok: res.status === 200 && !!result && 'data' in result,
    data: result ? result.data : undefined,
    error,
    appCode: error && error.data ? error.data.appCode : undefined,
    res,
  };
}

function queryUrl(path, input) {
  const url = `${BASE_URL}/trpc/${path}`;
  return input === undefined ? url : `${url}?input=${encodeURIComponent(JSON.stringify(input))}`;
}

export function query(path, input, opts = {}) {
  return answer(path, http.get(queryUrl(path, input), params(path, opts)));
}

export function mutation(path, input, opts = {}) {
  const body = JSON.stringify(input === undefined ? {} : input);
  return answer(path, http.post(`${BASE_URL}/trpc/${path}`, body, params(path, Object.assign({ json: true }, opts))));
}

/** Several calls at once (k6 runs a batch's requests in parallel): `[{kind:'query'|'mutation', path, input, opts}]`. */
export function batch(calls) {
  const reqs = calls.map((c) => {
    const opts = c.opts || {};
    return c.kind === 'query'
      ? ['GET', queryUrl(c.path, c.input), null, params(c.path, opts)]
      : [
          'POST',
          `${BASE_URL}/trpc/${c.path}`,
          JSON.stringify(c.input === undefined ? {} : c.input),
          params(c.path, Object.assign({ json: true }, opts)),
        ];
  });
  return http.batch(reqs).map((res, i) => answer(calls[i].path, res));
}

/** A POST outside tRPC (the sandbox provider's buttons). */
export function postPlain(path, tagName) {
  return http.post(`${BASE_URL}${path}`, null, { tags: { name: tagName } });
}

/** Why a call failed, for messages: `order.checkout 409 INSUFFICIENT_STOCK: …`. */
export function explain(r) {
  const reason = r.error ? `${r.appCode || r.error.code || ''}: ${r.error.message}` : String(r.res.body).slice(0, 200);
  return `${r.path} ${r.status} ${reason}`;
}

/** In setup/teardown: a failed call aborts the run (k6 stops when setup throws). */
export function must(r, what) {
  if (!r.ok) throw new Error(`${what || r.path} failed: ${explain(r)}`);
  return r.data;
}

/**
 * One k6 check on a call: passes when the call answered 200 and `predicate(data)` holds.
 * Returns the data (or undefined) so a journey can go on or stop.
 */
export function expectOk(r, name, predicate) {
  const passed = check(r, { [name]: (x) => x.ok && (!predicate || predicate(x.data) === true) });
  if (!passed && r.ok === false) console.warn(`${name}: ${explain(r)}`);
  return passed ? r.data : undefined;
}
