// Stand-in for `k6/http`: synchronous requests answering k6's Response shape ({status, body,
// headers, timings, json()}), batches, and k6's rule for `http_req_failed` (a status outside the
// expected ones, 200–399 unless a responseCallback says otherwise, or no answer at all).
import { exchange, noteExchange, records, where } from './state.mjs';

const DEFAULT_TIMEOUT_MS = 60_000;
let defaultCallback = null;

class Response {
  constructor(req, wire) {
    this.request = { method: req.method, url: req.url, body: req.body ?? '', headers: req.headers };
    this.url = req.url;
    this.status = wire.status;
    this.body = wire.body;
    this.headers = wire.headers;
    this.error = wire.error;
    this.error_code = wire.error ? 1000 : 0;
    this.timings = { duration: wire.durationMs, waiting: wire.durationMs };
  }

  /** k6 takes a gjson selector; the stand-in knows dotted paths only (`result.data.id`). */
  json(selector) {
    const parsed = JSON.parse(this.body);
    if (selector === undefined) return parsed;
    return String(selector)
      .split('.')
      .reduce((v, key) => (v === null || v === undefined ? undefined : v[key]), parsed);
  }
}

function timeoutMs(t) {
  if (t === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof t === 'number') return t;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(t));
  if (!m) throw new Error(`k6 stand-in: cannot read timeout ${t}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2]];
}

function wireRequest(method, url, body, params = {}) {
  if (body !== null && body !== undefined && typeof body !== 'string') {
    throw new Error('k6 stand-in: only string bodies (k6 would form-encode an object)');
  }
  const headers = {};
  for (const [k, v] of Object.entries(params.headers ?? {})) headers[k.toLowerCase()] = String(v);
  return {
    method: method.toUpperCase(),
    url: String(url),
    body: body ?? null,
    headers,
    timeoutMs: timeoutMs(params.timeout),
  };
}

function isExpected(status, callback) {
  if (status === 0) return false;
  if (!callback) return status >= 200 && status <= 399;
  return callback.statuses.some((s) => (typeof s === 'number' ? s === status : status >= s.min && status <= s.max));
}

function record(req, params, wire) {
  const callback = params?.responseCallback === undefined ? defaultCallback : params.responseCallback;
  const tags = { name: req.url, ...(params?.tags ?? {}) };
  records.requests.push({
    method: req.method,
    url: req.url,
    name: tags.name,
    status: wire.status,
    failed: !isExpected(wire.status, callback),
    ...where(),
  });
  noteExchange(req, wire);
  return new Response(req, wire);
}

export function request(method, url, body, params) {
  const req = wireRequest(method, url, body, params);
  const [wire] = exchange([req]);
  return record(req, params, wire);
}

export const get = (url, params) => request('GET', url, null, params);
export const post = (url, body, params) => request('POST', url, body, params);
export const put = (url, body, params) => request('PUT', url, body, params);
export const patch = (url, body, params) => request('PATCH', url, body, params);
export const del = (url, body, params) => request('DELETE', url, body, params);

/** `[[method, url, body, params]]`, `[{method, url, body, params}]` or URLs; answered in parallel. */
export function batch(requests) {
  const list = Array.isArray(requests) ? requests : Object.values(requests);
  const parts = list.map((r) => {
    if (typeof r === 'string') return { method: 'GET', url: r, body: null, params: undefined };
    if (Array.isArray(r)) return { method: r[0], url: r[1], body: r[2], params: r[3] };
    return r;
  });
  const reqs = parts.map((p) => wireRequest(p.method, p.url, p.body, p.params));
  const wires = exchange(reqs);
  return reqs.map((req, i) => record(req, parts[i].params, wires[i]));
}

/** k6's expectedStatuses: numbers and `{min, max}` ranges. */
export function expectedStatuses(...statuses) {
  for (const s of statuses) {
    if (typeof s !== 'number' && !(s && typeof s.min === 'number' && typeof s.max === 'number'))
      throw new Error('expectedStatuses: numbers or {min, max}');
  }
  return { statuses };
}

export function setResponseCallback(callback) {
  defaultCallback = callback;
}

export default { request, get, post, put, patch, del, batch, expectedStatuses, setResponseCallback };
