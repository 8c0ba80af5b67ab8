// A stand-in for Alipay's open gateway, for tests: written from Alipay's documentation with
// node:crypto only (never with alipay-sdk, so the two sides cannot share a bug). Request signature:
// every parameter but `sign`, sorted by name, `k=v` joined by `&`, RSA-SHA256 with the app's key.
// Answer: `{"<method>_response": {...}, "sign": "<RSA-SHA256 of that object's JSON text>"}`.
// Notify: form-encoded, signed over every parameter but `sign` and `sign_type`.
import { createServer, type Server } from 'node:http';
import { createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface RsaPair {
  privatePem: string;
  publicPem: string;
  /** The private key as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"). */
  privatePkcs1: string;
}

export function rsaPair(): RsaPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privatePkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const signContent = (params: Record<string, string>, skip: string[]) =>
  Object.keys(params)
    .filter((k) => !skip.includes(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');

export const rsa2Sign = (content: string, privatePem: string) =>
  createSign('RSA-SHA256').update(content, 'utf8').sign(privatePem, 'base64');
const rsa2Verify = (content: string, sign: string, publicPem: string) =>
  createVerify('RSA-SHA256').update(content, 'utf8').verify(publicPem, sign, 'base64');

export interface StandInTrade {
  outTradeNo: string;
  tradeNo: string;
  totalAmount: string;
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'TRADE_CLOSED';
  refunds: Map<string, string>;
}

export async function startAlipayGateway(opts: { appId: string; appPublicPem: string }) {
  const alipay = rsaPair();
  const trades = new Map<string, StandInTrade>();
  const calls: { method: string; biz: Record<string, string> }[] = [];
  let badSign = false;
  let seq = 0;

  const cents = (s: string) => Math.round(Number(s) * 100);
  const yuan = (c: number) => (c / 100).toFixed(2);

  function answer(method: string, body: Record<string, string>) {
    const key = `${method.replaceAll('.', '_')}_response`;
    const json = JSON.stringify(body);
    const sign = badSign ? rsa2Sign(json, rsaPair().privatePem) : rsa2Sign(json, alipay.privatePem);
    return `{"${key}":${json},"sign":"${sign}"}`;
  }
  const fail = (sub_code: string) => ({ code: '40004', msg: 'Business Failed', sub_code, sub_msg: sub_code });

  function handle(method: string, biz: Record<string, string>): Record<string, string> {
    const t = trades.get(biz.out_trade_no);
    switch (method) {
      case 'alipay.trade.query':
        if (!t) return fail('ACQ.TRADE_NOT_EXIST');
        return {
          code: '10000',
          msg: 'Success',
          trade_no: t.tradeNo,
          out_trade_no: t.outTradeNo,
          trade_status: t.status,
          total_amount: t.totalAmount,
        };
      case 'alipay.trade.close':
        if (!t) return fail('ACQ.TRADE_NOT_EXIST');
        if (t.status !== 'WAIT_BUYER_PAY') return fail('ACQ.TRADE_STATUS_ERROR');
        t.status = 'TRADE_CLOSED';
        return { code: '10000', msg: 'Success', trade_no: t.tradeNo, out_trade_no: t.outTradeNo };
      case 'alipay.trade.refund': {
        if (!t) return fail('ACQ.TRADE_NOT_EXIST');
        const total = () => [...t.refunds.values()].reduce((a, v) => a + cents(v), 0);
        // The same out_request_no again is the same refund (even once the trade is closed by it): no money moves (fund_change N).
        if (t.refunds.has(biz.out_request_no))
          return { code: '10000', msg: 'Success', fund_change: 'N', refund_fee: yuan(total()), trade_no: t.tradeNo };
        if (t.status !== 'TRADE_SUCCESS') return fail('ACQ.TRADE_STATUS_ERROR');
        if (total() + cents(biz.refund_amount) > cents(t.totalAmount)) return fail('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
        t.refunds.set(biz.out_request_no, biz.refund_amount);
        if (total() === cents(t.totalAmount)) t.status = 'TRADE_CLOSED';
        return { code: '10000', msg: 'Success', fund_change: 'Y', refund_fee: yuan(total()), trade_no: t.tradeNo };
      }
      case 'alipay.trade.fastpay.refund.query': {
        const amount = t?.refunds.get(biz.out_request_no);
        if (!t || !amount) return { code: '10000', msg: 'Success' };
        return { code: '10000', msg: 'Success', refund_status: 'REFUND_SUCCESS', refund_amount: amount };
      }
      default:
        return { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-method' };
    }
  }

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const params: Record<string, string> = { ...Object.fromEntries(url.searchParams) };
      for (const [k, v] of new URLSearchParams(raw)) params[k] = v;
      const method = params.method ?? '';
      let body: Record<string, string>;
      if (params.app_id !== opts.appId)
        body = { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id' };
      else if (!params.sign || !rsa2Verify(signContent(params, ['sign']), params.sign, opts.appPublicPem))
        body = { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' };
      else {
        const biz = JSON.parse(params.biz_content ?? '{}') as Record<string, string>;
        calls.push({ method, biz });
        body = handle(method, biz);
      }
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
      res.end(answer(method, body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  return {
    gateway: `http://127.0.0.1:${port}/gateway.do`,
    publicPem: alipay.publicPem,
    trades,
    calls,
    /** Answers signed with a key that is not Alipay's from now on (or again with Alipay's). */
    setBadSign(v: boolean) {
      badSign = v;
    },
    /** What the browser does with a pay URL: the gateway checks its signature and opens the trade. */
    openPayUrl(payUrl: string) {
      const u = new URL(payUrl);
      const params = Object.fromEntries(u.searchParams);
      const valid = rsa2Verify(signContent(params, ['sign']), params.sign, opts.appPublicPem);
      const biz = JSON.parse(params.biz_content) as Record<string, string>;
      if (valid && !trades.has(biz.out_trade_no)) {
        trades.set(biz.out_trade_no, {
          outTradeNo: biz.out_trade_no,
          tradeNo: `2026${String(++seq).padStart(4, '0')}${randomBytes(8).toString('hex')}`,
          totalAmount: biz.total_amount,
          status: 'WAIT_BUYER_PAY',
          refunds: new Map(),
        });
      }
      return { valid, params, biz, trade: trades.get(biz.out_trade_no) };
    },
    /** The buyer pays (no notify: send one with `notify`). */
    pay(outTradeNo: string) {
      const t = trades.get(outTradeNo)!;
      t.status = 'TRADE_SUCCESS';
      return t;
    },
    /**
     * The form body of Alipay's asynchronous notify for a trade, signed as Alipay signs it (or with
     * `signWith`, another key); `override` changes fields before signing.
     */
    notifyBody(t: StandInTrade, o: { status?: string; signWith?: string; override?: Record<string, string> } = {}) {
      const params: Record<string, string> = {
        notify_time: '2026-12-05 12:00:00',
        notify_type: 'trade_status_sync',
        notify_id: randomBytes(16).toString('hex'),
        app_id: opts.appId,
        charset: 'utf-8',
        version: '1.0',
        sign_type: 'RSA2',
        trade_no: t.tradeNo,
        out_trade_no: t.outTradeNo,
        trade_status: o.status ?? t.status,
        total_amount: t.totalAmount,
        receipt_amount: t.totalAmount,
        subject: 'zjmall 订单',
        gmt_payment: '2026-12-05 11:59:59',
        ...o.override,
      };
      params.sign = rsa2Sign(signContent(params, ['sign', 'sign_type']), o.signWith ?? alipay.privatePem);
      return new URLSearchParams(params).toString();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type AlipayGateway = Awaited<ReturnType<typeof startAlipayGateway>>;
