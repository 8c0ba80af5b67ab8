import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SandboxCallback, type PaymentChannel } from '@zjmall/contracts';
import { CallbackRejected, type CallbackHeaders, type PaymentProvider, type VerifiedCallback } from './provider';

export const SIGNATURE_HEADER = 'x-zjmall-signature';
/** Accepted clock difference between provider and server (docs/api.md: ±5 minutes). */
export const SIGNATURE_WINDOW_SECONDS = 300;

export function signSandbox(secret: string, t: number, rawBody: string): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex')}`;
}

/** Parses `t=<unix>,v1=<hex>`; null when it is not that. */
function parseSignature(header: string): { t: number; v1: string } | null {
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isSafeInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return null;
  return { t, v1 };
}

export interface SandboxProvider extends PaymentProvider {
  /**
   * The provider's side of the sandbox: the callback it sends when its page's button is pressed.
   * The transaction id is fixed per payment and decision, so approving again re-sends the same
   * transaction (a duplicate), with a fresh timestamp, nonce and signature.
   */
  buildCallback(
    payment: { id: string; amount: number; currency: string },
    decision: 'approve' | 'decline',
    nowSeconds: number,
  ): {
    headers: Record<string, string>;
    rawBody: string;
  };
}

/** The sandbox channels' names as a customer sees them. */
export type SandboxChannel = Extract<PaymentChannel, 'sandbox_alipay' | 'sandbox_wechat'>;
export const SANDBOX_CHANNEL_NAMES: Record<SandboxChannel, string> = {
  sandbox_alipay: '支付宝（沙箱）',
  sandbox_wechat: '微信支付（沙箱）',
};

/** The sandbox scheme (docs/api.md, HTTP routes): HMAC-SHA256 of "<t>.<raw body>" with PAYMENT_CALLBACK_SECRET. */
export function createSandboxProvider(opts: {
  channel: SandboxChannel;
  secret: string;
  baseUrl: string;
}): SandboxProvider {
  const { channel, secret, baseUrl } = opts;
  return {
    channel,
    name: SANDBOX_CHANNEL_NAMES[channel],
    payUrl: (paymentId) => `${baseUrl}/sandbox/pay/${paymentId}`,

    verifyCallback(headers: CallbackHeaders, rawBody: string, nowSeconds: number): VerifiedCallback {
      const raw = headers[SIGNATURE_HEADER];
      const header = Array.isArray(raw) ? raw[0] : raw;
      const sig = header ? parseSignature(header) : null;
      if (!sig) throw new CallbackRejected(401, 'missing or malformed signature');
      if (Math.abs(nowSeconds - sig.t) > SIGNATURE_WINDOW_SECONDS)
        throw new CallbackRejected(401, 'signature timestamp outside the accepted window');
      const expected = createHmac('sha256', secret).update(`${sig.t}.${rawBody}`).digest();
      const given = Buffer.from(sig.v1, 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new CallbackRejected(401, 'bad signature');
      let json: unknown;
      try {
        json = JSON.parse(rawBody);
      } catch {
        throw new CallbackRejected(400, 'body is not JSON');
      }
      const body = SandboxCallback.safeParse(json);
      if (!body.success)
        throw new CallbackRejected(400, `malformed callback: ${body.error.issues[0]?.message ?? 'invalid'}`);
      return toVerified(body.data);
    },

    fromStored(payload) {
      return toVerified(SandboxCallback.parse(payload));
    },

    buildCallback(payment, decision, nowSeconds) {
      const body: SandboxCallback = {
        paymentId: payment.id,
        transactionId: `sbx_${decision === 'approve' ? 'ok' : 'no'}_${payment.id}`,
        status: decision === 'approve' ? 'SUCCESS' : 'FAILED',
        amount: payment.amount,
        currency: payment.currency,
        timestamp: nowSeconds,
        nonce: randomBytes(12).toString('hex'),
      };
      const rawBody = JSON.stringify(body);
      return {
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signSandbox(secret, nowSeconds, rawBody) },
        rawBody,
      };
    },
  };
}

function toVerified(b: SandboxCallback): VerifiedCallback {
  return {
    key: b.transactionId,
    transactionId: b.transactionId,
    paymentId: b.paymentId,
    outcome: b.status === 'SUCCESS' ? 'success' : 'failure',
    amount: b.amount,
    currency: b.currency,
    payload: b,
  };
}
