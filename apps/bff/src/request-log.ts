import type { FastifyInstance } from 'fastify';

/** Probes and scrapes arrive every few seconds: their lines go to debug, not info. */
const QUIET = new Set(['/health', '/ready', '/metrics']);

function procedureOf(path: string): string | undefined {
  if (!path.startsWith('/trpc/')) return undefined;
  try {
    return decodeURIComponent(path.slice(6));
  } catch {
    return path.slice(6);
  }
}

/**
 * LOG_REQUESTS: one line per answered request, at info — method, path (or the tRPC procedure,
 * `a,b` for a batch), status, milliseconds, and the request id Fastify binds to `req.log` — in
 * place of Fastify's two lines per request (`disableRequestLogging`). The query string is left
 * out (a tRPC query carries its input there).
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (req, reply, done) => {
    const path = req.url.split('?', 1)[0];
    const procedure = procedureOf(path);
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    const line = { method: req.method, path, ...(procedure ? { procedure } : {}), status: reply.statusCode, ms };
    const msg = `${req.method} ${procedure ?? path} ${reply.statusCode} ${ms} ms`;
    if (QUIET.has(path)) req.log.debug(line, msg);
    else req.log.info(line, msg);
    done();
  });
}
