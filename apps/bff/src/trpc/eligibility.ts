import type { FastifyRequest } from 'fastify';
import type { ProcedureType } from './router-internals';

/**
 * Which requests the Fastify-native path may answer, and what they ask for.
 *
 * The rule is "serve only what we are sure the stock adapter would answer with a plain JSON
 * body of procedure results"; everything else returns null and goes to the stock handler,
 * so unusual requests get tRPC's own answer by construction. Each check below names the
 * stock behaviour (resolveResponse / getRequestInfo in @trpc/server 11) it defers to. Routers the
 * fast path cannot serve at all (a transformer, another path separator) are turned away once, at
 * registration (router-internals.ts's `fastPathBlocker`).
 */

export type FastType = 'query' | 'mutation';

export interface FastCall {
  /** The procedure's dotted path, as `createCaller` takes it. */
  path: string;
  /** The raw (not yet validated) input, as the stock adapter's `getRawInput` would give it. */
  input: unknown;
}

export interface FastPlan {
  type: FastType;
  batch: boolean;
  calls: FastCall[];
}

/** What the stock adapter reads from the query string of a query or mutation. */
interface QueryParams {
  batch: boolean;
  input: string | undefined;
}

const EMPTY_QUERY: QueryParams = { batch: false, input: undefined };

// Anything outside visible ASCII is normalised by WHATWG URL (tabs and newlines dropped,
// other bytes re-encoded), which the stock adapter parses the URL with: leave those to it.
const NOT_PLAIN_URL = /[^\x21-\x7e]|#/;

/**
 * Reads `batch` and `input` from the raw URL as the stock adapter's URLSearchParams does (`+` is
 * a space, `%xx` decoded), refusing (null) whatever it cannot read the same way for certain:
 * escaped keys, a repeated `batch`/`input`, escapes that are not valid UTF-8, `connectionParams`.
 * Reading the URL ourselves keeps us independent of the app's own querystring parser.
 */
export function readQuery(url: string): QueryParams | null {
  const q = url.indexOf('?');
  if (q === -1) return EMPTY_QUERY;
  if (NOT_PLAIN_URL.test(url)) return null;
  let batch: string | undefined;
  let input: string | undefined;
  const end = url.length;
  let i = q + 1;
  while (i < end) {
    let amp = url.indexOf('&', i);
    if (amp === -1) amp = end;
    if (amp > i) {
      let eq = url.indexOf('=', i);
      if (eq === -1 || eq > amp) eq = amp;
      const key = url.slice(i, eq);
      // An escaped key could decode to one of ours; tRPC clients never send one.
      if (key.includes('%') || key.includes('+')) return null;
      if (key === 'input' || key === 'batch') {
        if ((key === 'input' ? input : batch) !== undefined) return null;
        const value = decodeFormValue(eq === amp ? '' : url.slice(eq + 1, amp));
        if (value === null) return null;
        if (key === 'input') input = value;
        else batch = value;
      } else if (key === 'connectionParams') {
        return null; // context from connection params: the stock handler parses and checks them
      }
    }
    i = amp + 1;
  }
  return { batch: batch === '1', input };
}

function decodeFormValue(raw: string): string | null {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    // Strict decoding: where it throws (lone `%`, invalid UTF-8) URLSearchParams would substitute,
    // so those requests go to the stock handler instead of being decoded differently.
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

/** getRequestInfo's media-type test: lower-cased, parameters and whitespace ignored. */
function isJsonContentType(ct: string): boolean {
  return ct === 'application/json' || ct.toLowerCase().split(';', 1)[0].trim() === 'application/json';
}

/**
 * The plan for a request the fast path can serve, or null to hand it to the stock handler.
 * `procedureTypes` maps each procedure's path to its type, read at registration; procedures of
 * lazy routers are not in it, so they always go to the stock handler (which loads them).
 */
export function planFastCall(
  req: FastifyRequest,
  routePath: string,
  procedureTypes: ReadonlyMap<string, ProcedureType>,
): FastPlan | null {
  const type: FastType | null = req.method === 'GET' ? 'query' : req.method === 'POST' ? 'mutation' : null;
  if (type === null) return null; // HEAD → 204, others → METHOD_NOT_SUPPORTED/415: stock answers

  const headers = req.headers;
  // Streaming (httpBatchStreamLink) and any other explicit trpc-accept.
  if (headers['trpc-accept'] !== undefined) return null;
  const accept = headers.accept;
  if (accept !== undefined && accept.includes('application/jsonl')) return null;

  const ct = headers['content-type'];
  if (type === 'mutation' ? ct === undefined || !isJsonContentType(ct) : ct !== undefined && !isJsonContentType(ct)) {
    return null; // form data, octet streams, missing/unsupported media types
  }

  // Stock decodes the (already router-decoded) path again; without `%` both decodings are identity.
  if (routePath.includes('%')) return null;

  // The URL as received, which is what the stock adapter parses (req.url may be rewritten).
  const query = readQuery(req.raw.url ?? req.url);
  if (query === null) return null;

  let rawInput: string | undefined;
  if (type === 'query') {
    rawInput = query.input;
  } else {
    const body: unknown = req.body;
    if (body !== undefined && typeof body !== 'string') return null;
    rawInput = body;
  }

  // With the "." separator (fastPathBlocker), the URL path is the procedure path.
  const paths = query.batch ? routePath.split(',') : [routePath];
  const calls: FastCall[] = new Array<FastCall>(paths.length);
  for (let i = 0; i < paths.length; i++) {
    // Unknown path → NOT_FOUND, GET mutation / POST query → METHOD_NOT_SUPPORTED with `allow`.
    if (procedureTypes.get(paths[i]) !== type) return null;
    calls[i] = { path: paths[i], input: undefined };
  }

  // Both adapters ignore an empty `input`/body (no input at all).
  if (rawInput) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawInput);
    } catch {
      return null; // malformed JSON: the stock handler turns it into per-call errors in its own order
    }
    if (!query.batch) {
      calls[0].input = parsed;
    } else {
      // "input" needs to be an object (not an array) when doing a batch call
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
      const inputs = parsed as Record<number, unknown>;
      for (let i = 0; i < calls.length; i++) calls[i].input = inputs[i];
    }
  }
  return { type, batch: query.batch, calls };
}
