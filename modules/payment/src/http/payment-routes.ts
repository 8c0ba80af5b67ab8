import type { FastifyInstance } from 'fastify';
import { isDomainError } from '@zjmall/platform';
import type { PaymentService } from '../payment.service';
import { sandboxPage } from './sandbox-page';

/** A browser's form post: its Accept names text/html (an API client's does not). */
const wantsHtml = (accept: string | undefined) => !!accept && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);

/**
 * The payment HTTP routes of apps/bff: provider callbacks (`POST /payments/callback/:channel`, the
 * raw body is what the signature covers) and, with SANDBOX_PAYMENTS, the sandbox provider's pay
 * page and buttons. Registered in their own encapsulated scope, whose only body parser keeps the
 * body as a string, so the rest of the app is untouched.
 */
export async function registerPaymentRoutes(app: FastifyInstance, opts: { payment: PaymentService }): Promise<void> {
  const { payment } = opts;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, body),
    );

    scope.post<{ Params: { channel: string } }>('/payments/callback/:channel', async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const answer = await payment.handleCallback(req.params.channel, req.headers, raw);
      if (typeof answer.body === 'string') reply.type('text/plain; charset=utf-8');
      return reply.code(answer.statusCode).send(answer.body);
    });

    if (!payment.sandbox.enabled) return;

    scope.get<{ Params: { paymentId: string } }>('/sandbox/pay/:paymentId', async (req, reply) => {
      try {
        const { payment: p } = await payment.sandbox.view(req.params.paymentId);
        return reply.type('text/html; charset=utf-8').send(sandboxPage(p));
      } catch (e) {
        if (isDomainError(e))
          return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><p>Unknown payment</p>');
        throw e;
      }
    });

    // The buttons: the provider sends its signed callback to our callback endpoint, over the same
    // HTTP handling a real provider's request gets (in-process injection: no dependency on
    // PUBLIC_BASE_URL being reachable from here), and answers once it was processed: a browser
    // (the page's form: Accept has text/html) is sent to the payment's returnUrl with a 303 (a GET;
    // approved or declined, the shop's page shows the outcome); every other caller, a payment
    // without a returnUrl, and a callback that was not accepted (502) get the JSON.
    for (const decision of ['approve', 'decline'] as const) {
      scope.post<{ Params: { paymentId: string } }>(`/sandbox/pay/:paymentId/${decision}`, async (req, reply) => {
        let cb;
        try {
          cb = await payment.sandbox.callbackFor(req.params.paymentId, decision);
        } catch (e) {
          if (isDomainError(e)) return reply.code(404).send({ ok: false, error: 'PAYMENT_NOT_FOUND' });
          throw e;
        }
        const res = await app.inject({
          method: 'POST',
          url: `/payments/callback/${cb.channel}`,
          headers: cb.headers,
          payload: cb.rawBody,
        });
        const delivered = res.json() as { ok: boolean; outcome?: string; error?: string };
        if (res.statusCode === 200 && cb.returnUrl && wantsHtml(req.headers.accept))
          return reply.redirect(cb.returnUrl, 303);
        return reply
          .code(res.statusCode === 200 ? 200 : 502)
          .send({ ...delivered, ok: res.statusCode === 200, decision, callbackStatus: res.statusCode });
      });
    }
  });
}
