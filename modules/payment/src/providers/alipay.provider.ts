import { AlipaySdk, type AlipaySdkCommonResult } from 'alipay-sdk';
import { z } from 'zod';
import { fenToYuan, fromOutTradeNo, toOutTradeNo, yuanToFen } from './money';
import {
  CallbackRejected,
  ProviderUnavailable,
  type CallbackOutcome,
  type PaymentProvider,
  type ProviderPayment,
  type VerifiedCallback,
} from './provider';

/** Alipay's production gateway (the sandbox's: https://openapi-sandbox.dl.alipaydev.com/gateway.do). */
export const ALIPAY_PRODUCTION_GATEWAY = 'https://openapi.alipay.com/gateway.do';

export interface AlipayOptions {
  appId: string;
  /** The app's private key, PEM (PKCS#8; config.ts turns PKCS#1 into it). */
  privateKey: string;
  /** Alipay's public key, PEM. */
  alipayPublicKey: string;
  gateway: string;
  /** Where Alipay posts its notify: `<PUBLIC_BASE_URL>/payments/callback/alipay`. */
  notifyUrl: string;
  /** The shop's pay page of a payment (only answered while its pay URL is not made yet). */
  shopPayPage: (paymentId: string) => string;
  /** Milliseconds per gateway call. */
  timeoutMs?: number;
}

/** The fields of a trade (notify or query answer) this shop reads; the rest is kept as sent. */
const TradeFields = z.object({
  app_id: z.string().min(1),
  trade_no: z.string().min(1).max(64),
  out_trade_no: z.string().min(1).max(64),
  trade_status: z.enum(['TRADE_SUCCESS', 'TRADE_FINISHED', 'TRADE_CLOSED']),
  total_amount: z.string().min(1).max(20),
});
type TradeFields = z.infer<typeof TradeFields>;

/** Stored in the inbox: the parameters as sent (notify) or the answer's trade fields (query). */
const StoredAlipay = z.object({ via: z.enum(['notify', 'query']), params: z.record(z.string(), z.string()) });

const OUTCOME: Record<TradeFields['trade_status'], CallbackOutcome> = {
  TRADE_SUCCESS: 'success',
  TRADE_FINISHED: 'success',
  TRADE_CLOSED: 'closed',
};

/**
 * Channel `alipay` with alipay-sdk (v4, its documented API only): `pageExec` makes the RSA2-signed
 * GET pay URL (alipay.trade.page.pay on desktop, alipay.trade.wap.pay on mobile), `checkNotifySignV2`
 * verifies the asynchronous notify, `exec(..., {validateSign: true})` calls query/close/refund and
 * refuses an answer whose signature does not verify.
 */
export function createAlipayProvider(opts: AlipayOptions): PaymentProvider {
  const sdk = new AlipaySdk({
    appId: opts.appId,
    privateKey: opts.privateKey,
    keyType: 'PKCS8',
    alipayPublicKey: opts.alipayPublicKey,
    gateway: opts.gateway,
    signType: 'RSA2',
    camelcase: false,
    timeout: opts.timeoutMs ?? 10_000,
  });

  function toVerified(via: 'notify' | 'query', params: Record<string, string>): VerifiedCallback {
    const t = TradeFields.safeParse(params);
    if (!t.success) throw new CallbackRejected(400, `malformed notify: ${t.error.issues[0]?.path.join('.')}`);
    if (t.data.app_id !== opts.appId) throw new CallbackRejected(400, 'app_id is not this shop’s');
    const paymentId = fromOutTradeNo(t.data.out_trade_no);
    if (!paymentId) throw new CallbackRejected(400, 'out_trade_no is not one of this shop’s');
    const amount = yuanToFen(t.data.total_amount);
    if (amount === null) throw new CallbackRejected(400, 'total_amount is not an amount');
    return {
      key: `${t.data.trade_no}:${t.data.trade_status}`,
      transactionId: t.data.trade_no,
      paymentId,
      outcome: OUTCOME[t.data.trade_status],
      amount,
      currency: 'CNY',
      payload: { via, params },
    };
  }

  /** One gateway call; an answer that is missing, malformed or badly signed throws ProviderUnavailable. */
  async function call(method: string, bizContent: Record<string, string>): Promise<AlipaySdkCommonResult> {
    try {
      return await sdk.exec(method, { bizContent }, { validateSign: true });
    } catch (err) {
      throw new ProviderUnavailable(`alipay ${method}: ${(err as Error).message.slice(0, 200)}`, { cause: err });
    }
  }

  async function query(p: ProviderPayment): Promise<VerifiedCallback | null> {
    const r = await call('alipay.trade.query', { out_trade_no: toOutTradeNo(p.id) });
    if (r.code === '40004' && r.sub_code === 'ACQ.TRADE_NOT_EXIST') return null;
    if (r.code !== '10000') throw new ProviderUnavailable(`alipay.trade.query: ${r.code} ${r.sub_code ?? r.msg}`);
    if (r.trade_status === 'WAIT_BUYER_PAY') return null;
    const params: Record<string, string> = { app_id: opts.appId };
    for (const k of ['trade_no', 'out_trade_no', 'trade_status', 'total_amount'] as const)
      if (typeof r[k] === 'string') params[k] = r[k];
    try {
      const cb = toVerified('query', params);
      if (cb.paymentId !== p.id) throw new CallbackRejected(400, 'out_trade_no is another payment’s');
      return cb;
    } catch (e) {
      throw new ProviderUnavailable(`alipay.trade.query answered something unexpected: ${(e as Error).message}`);
    }
  }

  return {
    channel: 'alipay',
    name: '支付宝',
    payUrl: opts.shopPayPage,

    async open(p) {
      const mobile = p.device === 'mobile';
      const payUrl = sdk.pageExec(mobile ? 'alipay.trade.wap.pay' : 'alipay.trade.page.pay', {
        method: 'GET',
        notifyUrl: opts.notifyUrl,
        ...(p.returnUrl ? { returnUrl: p.returnUrl } : {}),
        bizContent: {
          out_trade_no: toOutTradeNo(p.id),
          total_amount: fenToYuan(p.amount),
          subject: `zjmall 订单 ${p.orderId}`,
          product_code: mobile ? 'QUICK_WAP_WAY' : 'FAST_INSTANT_TRADE_PAY',
        },
      });
      return { payUrl, qrCode: null };
    },

    verifyCallback(_headers, rawBody) {
      const params = Object.fromEntries(new URLSearchParams(rawBody));
      if (!params.sign) throw new CallbackRejected(401, 'missing sign');
      // Every parameter but sign (and sign_type), sorted by name, k=v joined by & (values as decoded from the form).
      if (!sdk.checkNotifySignV2(params)) throw new CallbackRejected(401, 'bad signature');
      return toVerified('notify', params);
    },

    reply: (result) =>
      result.ok ? { statusCode: 200, body: 'success' } : { statusCode: result.statusCode, body: 'fail' },

    fromStored(payload) {
      const s = StoredAlipay.parse(payload);
      return toVerified(s.via, s.params);
    },

    query,

    async close(p) {
      const r = await call('alipay.trade.close', { out_trade_no: toOutTradeNo(p.id) });
      // No trade at Alipay yet (the customer never opened the page): nothing to close there.
      if (r.code === '10000' || r.sub_code === 'ACQ.TRADE_NOT_EXIST') return { closed: true };
      // Paid (or finished) before the close arrived: the query says how, and that is applied.
      const state = await query(p);
      if (state?.outcome === 'success') return { closed: false, paid: state };
      if (state?.outcome === 'closed') return { closed: true };
      throw new ProviderUnavailable(`alipay.trade.close: ${r.code} ${r.sub_code ?? r.msg}`);
    },

    async refund(p, refund) {
      const out_trade_no = toOutTradeNo(p.id);
      const out_request_no = toOutTradeNo(refund.id);
      const r = await call('alipay.trade.refund', {
        out_trade_no,
        out_request_no,
        refund_amount: fenToYuan(refund.amount),
        refund_reason: refund.reason.slice(0, 256),
      });
      if (r.code === '10000') {
        if (r.fund_change === 'Y') return { status: 'succeeded' };
        // A repeated request (or one still settling): Alipay's refund query is the authority.
        const q = await call('alipay.trade.fastpay.refund.query', { out_trade_no, out_request_no });
        if (q.code === '10000' && q.refund_status === 'REFUND_SUCCESS') return { status: 'succeeded' };
        return { status: 'pending', detail: q.sub_code ?? q.refund_status ?? 'not yet' };
      }
      if (r.code === '40004' && r.sub_code !== 'ACQ.SYSTEM_ERROR')
        return { status: 'failed', detail: r.sub_code ?? r.msg };
      return { status: 'pending', detail: `${r.code} ${r.sub_code ?? r.msg}` };
    },
  };
}
