import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import { z } from 'zod';
import { fromOutTradeNo, toOutTradeNo } from './money';
import {
  CallbackRejected,
  ProviderUnavailable,
  type CallbackHeaders,
  type PaymentProvider,
  type ProviderPayment,
  type VerifiedCallback,
} from './provider';

export const WECHATPAY_PRODUCTION_GATEWAY = 'https://api.mch.weixin.qq.com';
/** WeChat Pay's notifies carry a timestamp; one more than 5 minutes off this server's clock is refused. */
export const WECHATPAY_WINDOW_SECONDS = 300;

export interface WechatOptions {
  mchId: string;
  appId: string;
  /** The API v3 key (32 bytes): decrypts the notifies' `resource`. */
  apiV3Key: string;
  /** The merchant API certificate's serial number (signs requests). */
  serialNo: string;
  /** The merchant API private key, PEM (PKCS#8). */
  privateKey: string;
  /** WeChat Pay's public key (PEM) and its id (`PUB_KEY_ID_…`): verifies notifies and answers. */
  platformPublicKey: string;
  platformPublicKeyId: string;
  gateway: string;
  /** Where WeChat Pay posts its notifies: `<PUBLIC_BASE_URL>/payments/callback/wechat`. */
  notifyUrl: string;
  /** The shop's pay page of a payment (shows the QR code). */
  shopPayPage: (paymentId: string) => string;
  timeoutMs?: number;
}

const Amount = z.object({ total: z.number().int().min(0), currency: z.string().optional() });
/** A transaction (notify `TRANSACTION.SUCCESS`'s resource, or the order query's answer). */
const Transaction = z.object({
  appid: z.string(),
  mchid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string().optional(),
  trade_state: z.string(),
  amount: Amount.optional(),
});
/** A refund (notify `REFUND.*`'s resource, or the refund query's answer). */
const RefundResource = z.object({
  mchid: z.string().optional(),
  out_trade_no: z.string(),
  transaction_id: z.string().optional(),
  out_refund_no: z.string(),
  refund_id: z.string(),
  refund_status: z.string().optional(),
  status: z.string().optional(),
  amount: z.object({ total: z.number().int(), refund: z.number().int() }),
});
const Notify = z.object({
  id: z.string(),
  event_type: z.string(),
  resource: z.object({
    algorithm: z.literal('AEAD_AES_256_GCM'),
    ciphertext: z.string(),
    nonce: z.string(),
    associated_data: z.string().optional(),
  }),
});
/** Stored in the inbox: the event type and the decrypted resource. */
const StoredWechat = z.object({ event_type: z.string(), resource: z.record(z.string(), z.unknown()) });

const header = (h: CallbackHeaders, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Channel `wechat`: WeChat Pay API v3, Native pay, with wechatpay-axios-plugin (its documented API:
 * the `Wechatpay` client with `baseURL` and the platform key map `certs`, which signs every request
 * and verifies every answer; `Rsa.verify` + `Formatter.response` for notifies; `Aes.AesGcm.decrypt`
 * for their resource).
 */
export function createWechatProvider(opts: WechatOptions): PaymentProvider {
  const wxpay = new Wechatpay({
    mchid: opts.mchId,
    serial: opts.serialNo,
    privateKey: opts.privateKey,
    certs: { [opts.platformPublicKeyId]: opts.platformPublicKey },
    baseURL: opts.gateway.endsWith('/') ? opts.gateway : `${opts.gateway}/`,
    timeout: opts.timeoutMs ?? 10_000,
  });

  function fromTransaction(t: z.infer<typeof Transaction>, via: 'notify' | 'query'): VerifiedCallback | null {
    if (t.mchid !== opts.mchId) throw new CallbackRejected(400, 'mchid is not this shop’s');
    if (t.appid !== opts.appId) throw new CallbackRejected(400, 'appid is not this shop’s');
    const paymentId = fromOutTradeNo(t.out_trade_no);
    if (!paymentId) throw new CallbackRejected(400, 'out_trade_no is not one of this shop’s');
    // REFUND: paid, then (partly) refunded — as a payment message it is its success.
    const outcome =
      t.trade_state === 'SUCCESS' || t.trade_state === 'REFUND'
        ? 'success'
        : t.trade_state === 'CLOSED'
          ? 'closed'
          : null;
    if (!outcome) return null;
    const transactionId = t.transaction_id ?? t.out_trade_no;
    return {
      key: `${transactionId}:${outcome === 'success' ? 'SUCCESS' : 'CLOSED'}`,
      transactionId,
      paymentId,
      outcome,
      amount: t.amount?.total ?? 0,
      currency: t.amount?.currency ?? 'CNY',
      payload: { event_type: via === 'notify' ? 'TRANSACTION.SUCCESS' : `QUERY.${t.trade_state}`, resource: t },
    };
  }

  function fromRefund(r: z.infer<typeof RefundResource>, eventType: string): VerifiedCallback {
    if (r.mchid !== undefined && r.mchid !== opts.mchId) throw new CallbackRejected(400, 'mchid is not this shop’s');
    const paymentId = fromOutTradeNo(r.out_trade_no);
    const refundId = fromOutTradeNo(r.out_refund_no);
    if (!paymentId || !refundId)
      throw new CallbackRejected(400, 'out_trade_no / out_refund_no is not one of this shop’s');
    const state = r.refund_status ?? r.status ?? '';
    if (!['SUCCESS', 'ABNORMAL', 'CLOSED'].includes(state)) throw new CallbackRejected(400, `refund state ${state}`);
    return {
      key: `${r.refund_id}:${state}`,
      transactionId: r.transaction_id ?? r.out_trade_no,
      paymentId,
      refundId,
      outcome: state === 'SUCCESS' ? 'refund_succeeded' : 'refund_failed',
      amount: r.amount.refund,
      currency: 'CNY',
      payload: { event_type: eventType, resource: r },
    };
  }

  function fromStoredResource(eventType: string, resource: unknown): VerifiedCallback {
    if (eventType.startsWith('REFUND.')) return fromRefund(RefundResource.parse(resource), eventType);
    const t = Transaction.safeParse(resource);
    if (!t.success) throw new CallbackRejected(400, 'malformed transaction');
    const cb = fromTransaction(t.data, eventType === 'TRANSACTION.SUCCESS' ? 'notify' : 'query');
    if (!cb) throw new CallbackRejected(400, `trade_state ${t.data.trade_state} is not final`);
    return cb;
  }

  /** One API call; no answer, or one whose signature does not verify (the client checks it), throws. */
  async function call<T>(what: string, run: () => Promise<{ status: number; data: T }>) {
    try {
      return await run();
    } catch (err) {
      const res = (err as { response?: { status?: number; data?: { code?: string; message?: string } } }).response;
      if (res?.status && res.status >= 400 && res.status < 500 && res.data?.code)
        return { status: res.status, data: res.data as T, businessError: res.data.code };
      throw new ProviderUnavailable(`wechatpay ${what}: ${(err as Error).message.slice(0, 200)}`, { cause: err });
    }
  }

  async function query(p: ProviderPayment): Promise<VerifiedCallback | null> {
    const out_trade_no = toOutTradeNo(p.id);
    const r = await call('query', () =>
      wxpay
        .chain('v3/pay/transactions/out-trade-no/{out_trade_no}')
        .get({ params: { mchid: opts.mchId }, out_trade_no }),
    );
    if ('businessError' in r) {
      if (r.businessError === 'ORDER_NOT_EXIST' || r.businessError === 'RESOURCE_NOT_EXISTS') return null;
      throw new ProviderUnavailable(`wechatpay query: ${r.businessError}`);
    }
    try {
      const cb = fromTransaction(Transaction.parse(r.data), 'query');
      if (cb && cb.paymentId !== p.id) throw new Error('another payment’s transaction');
      return cb;
    } catch (e) {
      throw new ProviderUnavailable(`wechatpay query answered something unexpected: ${(e as Error).message}`);
    }
  }

  return {
    channel: 'wechat',
    name: '微信支付',
    payUrl: opts.shopPayPage,

    async open(p) {
      const r = await call('native', () =>
        wxpay.chain('v3/pay/transactions/native').post({
          appid: opts.appId,
          mchid: opts.mchId,
          description: `zjmall 订单 ${p.orderId}`,
          out_trade_no: toOutTradeNo(p.id),
          notify_url: opts.notifyUrl,
          amount: { total: p.amount, currency: 'CNY' },
        }),
      );
      const codeUrl = (r.data as { code_url?: unknown }).code_url;
      if ('businessError' in r || typeof codeUrl !== 'string')
        throw new ProviderUnavailable(`wechatpay native: ${'businessError' in r ? r.businessError : 'no code_url'}`);
      return { payUrl: opts.shopPayPage(p.id), qrCode: codeUrl };
    },

    verifyCallback(headers, rawBody, nowSeconds) {
      const timestamp = header(headers, 'wechatpay-timestamp');
      const nonce = header(headers, 'wechatpay-nonce');
      const signature = header(headers, 'wechatpay-signature');
      const serial = header(headers, 'wechatpay-serial');
      if (!timestamp || !nonce || !signature || !serial) throw new CallbackRejected(401, 'missing Wechatpay-* headers');
      if (serial !== opts.platformPublicKeyId)
        throw new CallbackRejected(401, 'Wechatpay-Serial is not the configured key');
      const ts = Number(timestamp);
      if (!Number.isSafeInteger(ts) || Math.abs(nowSeconds - ts) > WECHATPAY_WINDOW_SECONDS)
        throw new CallbackRejected(401, 'Wechatpay-Timestamp outside the accepted window');
      // "<timestamp>\n<nonce>\n<body>\n", RSA-SHA256 with WeChat Pay's public key.
      let valid = false;
      try {
        valid = Rsa.verify(Formatter.response(timestamp, nonce, rawBody), signature, opts.platformPublicKey);
      } catch {
        valid = false;
      }
      if (!valid) throw new CallbackRejected(401, 'bad signature');
      let notify: z.infer<typeof Notify>;
      try {
        notify = Notify.parse(JSON.parse(rawBody));
      } catch {
        throw new CallbackRejected(400, 'malformed notify');
      }
      let resource: unknown;
      try {
        const { ciphertext, nonce: iv, associated_data } = notify.resource;
        resource = JSON.parse(Aes.AesGcm.decrypt(ciphertext, opts.apiV3Key, iv, associated_data ?? ''));
      } catch {
        throw new CallbackRejected(400, 'resource does not decrypt with the API v3 key');
      }
      if (notify.event_type !== 'TRANSACTION.SUCCESS' && !notify.event_type.startsWith('REFUND.'))
        throw new CallbackRejected(400, `event_type ${notify.event_type} is not handled`);
      return fromStoredResource(notify.event_type, resource);
    },

    reply: (result) =>
      result.ok
        ? { statusCode: 204 }
        : { statusCode: result.statusCode, body: { code: 'FAIL', message: result.error } },

    fromStored(payload) {
      const s = StoredWechat.parse(payload);
      return fromStoredResource(s.event_type, s.resource);
    },

    query,

    async close(p) {
      const out_trade_no = toOutTradeNo(p.id);
      const r = await call('close', () =>
        wxpay
          .chain('v3/pay/transactions/out-trade-no/{out_trade_no}/close')
          .post({ mchid: opts.mchId }, { out_trade_no }),
      );
      if (!('businessError' in r)) return { closed: true };
      if (r.businessError === 'ORDER_NOT_EXIST') return { closed: true };
      // ORDERPAID and the like: the query says what the trade is.
      const state = await query(p);
      if (state?.outcome === 'success') return { closed: false, paid: state };
      if (state?.outcome === 'closed') return { closed: true };
      throw new ProviderUnavailable(`wechatpay close: ${r.businessError}`);
    },

    /** Asks for the refund's state (the query), and creates it when WeChat Pay does not know it yet. */
    async refund(p, refund) {
      const out_refund_no = toOutTradeNo(refund.id);
      const known = await call('refund query', () =>
        wxpay.chain('v3/refund/domestic/refunds/{out_refund_no}').get({ out_refund_no }),
      );
      let r = known;
      if ('businessError' in known) {
        if (known.businessError !== 'RESOURCE_NOT_EXISTS')
          throw new ProviderUnavailable(`wechatpay refund query: ${known.businessError}`);
        r = await call('refund', () =>
          wxpay.chain('v3/refund/domestic/refunds').post({
            out_trade_no: toOutTradeNo(p.id),
            out_refund_no,
            reason: refund.reason.slice(0, 80),
            notify_url: opts.notifyUrl,
            amount: { refund: refund.amount, total: p.amount, currency: 'CNY' },
          }),
        );
        if ('businessError' in r) return { status: 'failed', detail: r.businessError };
      }
      const status = (r.data as { status?: string }).status;
      if (status === 'SUCCESS') return { status: 'succeeded' };
      if (status === 'PROCESSING') return { status: 'pending', detail: 'PROCESSING' };
      if (status === 'ABNORMAL' || status === 'CLOSED') return { status: 'failed', detail: status };
      throw new ProviderUnavailable(`wechatpay refund: unexpected status ${String(status)}`);
    },
  };
}
