import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './target-guard';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` — the scheme of our own payment callbacks. */
export function signWebhook(secret: string, t: number, rawBody: string): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex')}`;
}

export interface PostResult {
  status: number | null;
  error: string | null;
}

/**
 * POSTs `body` to the resolved target, connecting to exactly the address that was checked (the
 * documented `lookup` option of node's http/https request), within `timeoutMs` for the whole answer.
 */
export function postTo(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult> {
  const pinned = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = client.request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        // The answer's body is not used; read it to the end so the socket is freed.
        res.resume();
        res.on('end', () => done({ status: res.statusCode ?? null, error: null }));
        res.on('error', (e) => done({ status: res.statusCode ?? null, error: e.message }));
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => done({ status: null, error: e.message }));
    req.end(body);
  });
}
