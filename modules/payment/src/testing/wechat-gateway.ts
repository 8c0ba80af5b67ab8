// A stand-in for WeChat Pay API v3 (Native pay, query, close, refund), for tests: written from
// WeChat Pay's documentation with node:crypto only (never with wechatpay-axios-plugin, so the two
// sides cannot share a bug). Requests: `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
// timestamp=…,serial_no=…,signature=…` over "<METHOD>\n<path?query>\n<timestamp>\n<nonce>\n<body>\n"
// with the merchant's key. Answers and notifies: `Wechatpay-Timestamp/-Nonce/-Serial/-Signature`,
// the signature over "<timestamp>\n<nonce>\n<body>\n" with WeChat Pay's key; a notify's resource is
// AEAD_AES_256_GCM with the API v3 key (base64 of ciphertext followed by the 16-byte tag).
import { createServer, type Server } from 'node:http';
import { createCipheriv, createSign, createVerify, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { rsaPair } from './alipay-gateway';

const sign = (msg: string, pem: string) => createSign('RSA-SHA256').update(msg, 'utf8').sign(pem, 'base64');

export interface WechatTrade {
  outTradeNo: string;
  transactionId: string;
  total: number;
  state: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
  codeUrl: string;
  appid: string;
}
export interface WechatRefund {
  refundId: string;
  outRefundNo: string;
  outTradeNo: string;
  transactionId: string;
  refund: number;
  total: number;
  status: 'PROCESSING' | 'SUCCESS' | 'ABNORMAL';
}

export async function startWechatGateway(opts: { mchId: string; merchantPublicPem: string; merchantSerial: string }) {
  const platform = rsaPair();
  const publicKeyId = `PUB_KEY_ID_${randomBytes(12).toString('hex').toUpperCase()}`;
  const apiV3Key = randomBytes(16).toString('hex'); // 32 characters
  const trades = new Map<string, WechatTrade>();
  const refunds = new Map<string, WechatRefund>();
  const requests: { method: string; path: string }[] = [];
  let badSign = false;
  let seq = 0;

  function signedHeaders(body: string, key = platform.privatePem) {
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    return {
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': publicKeyId,
      'wechatpay-signature': sign(`${ts}\n${nonce}\n${body}\n`, key),
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    };
  }

  const transactionView = (t: WechatTrade) => ({
    appid: t.appid,
    mchid: opts.mchId,
    out_trade_no: t.outTradeNo,
    ...(t.state === 'NOTPAY' || t.state === 'CLOSED' ? {} : { transaction_id: t.transactionId }),
    trade_type: 'NATIVE',
    trade_state: t.state,
    trade_state_desc: t.state,
    amount: { total: t.total, payer_total: t.total, currency: 'CNY', payer_currency: 'CNY' },
  });
  const refundView = (r: WechatRefund) => ({
    refund_id: r.refundId,
    out_refund_no: r.outRefundNo,
    transaction_id: r.transactionId,
    out_trade_no: r.outTradeNo,
    channel: 'ORIGINAL',
    status: r.status,
    amount: { total: r.total, refund: r.refund, payer_total: r.total, payer_refund: r.refund, currency: 'CNY' },
  });

  function verifyRequest(method: string, url: string, body: string, auth: string | undefined) {
    const m = /^WECHATPAY2-SHA256-RSA2048 (.*)$/.exec(auth ?? '');
    if (!m) return false;
    const f = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (f.mchid !== opts.mchId || f.serial_no !== opts.merchantSerial) return false;
    const msg = `${method}\n${url}\n${f.timestamp}\n${f.nonce_str}\n${body}\n`;
    return createVerify('RSA-SHA256')
      .update(msg, 'utf8')
      .verify(opts.merchantPublicPem, f.signature ?? '', 'base64');
  }

  function route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ): [number, unknown] {
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v3/pay/transactions/native') {
      const otn = String(body.out_trade_no);
      const total = (body.amount as { total: number }).total;
      if (body.mchid !== opts.mchId) return [400, { code: 'PARAM_ERROR', message: 'mchid' }];
      const t = trades.get(otn);
      if (t)
        return t.total === total
          ? [200, { code_url: t.codeUrl }]
          : [400, { code: 'INVALID_REQUEST', message: '参数与首次请求不一致' }];
      const codeUrl = `weixin://wxpay/bizpayurl?pr=${randomBytes(6).toString('hex')}`;
      trades.set(otn, {
        outTradeNo: otn,
        transactionId: `4200${String(++seq).padStart(6, '0')}${randomBytes(8).toString('hex')}`,
        total,
        state: 'NOTPAY',
        codeUrl,
        appid: String(body.appid),
      });
      return [200, { code_url: codeUrl }];
    }
    if ((m = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(path)) && method === 'GET') {
      if (query.get('mchid') !== opts.mchId) return [400, { code: 'PARAM_ERROR', message: 'mchid' }];
      const t = trades.get(m[1]);
      return t ? [200, transactionView(t)] : [404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' }];
    }
    if ((m = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(path)) && method === 'POST') {
      const t = trades.get(m[1]);
      if (!t) return [404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' }];
      if (t.state === 'SUCCESS' || t.state === 'REFUND') return [400, { code: 'ORDERPAID', message: '订单已支付' }];
      t.state = 'CLOSED';
      return [204, null];
    }
    if (method === 'POST' && path === '/v3/refund/domestic/refunds') {
      const outRefundNo = String(body.out_refund_no);
      const existing = refunds.get(outRefundNo);
      if (existing) return [200, refundView(existing)];
      const t = trades.get(String(body.out_trade_no));
      if (!t) return [404, { code: 'RESOURCE_NOT_EXISTS', message: '订单不存在' }];
      if (t.state !== 'SUCCESS' && t.state !== 'REFUND') return [403, { code: 'NOT_ENOUGH', message: '交易未支付' }];
      const amount = body.amount as { refund: number; total: number };
      const done = [...refunds.values()].filter((r) => r.outTradeNo === t.outTradeNo).reduce((a, r) => a + r.refund, 0);
      if (amount.total !== t.total || done + amount.refund > t.total)
        return [400, { code: 'INVALID_REQUEST', message: '退款金额超过订单可退金额' }];
      const r: WechatRefund = {
        refundId: `5030${String(++seq).padStart(6, '0')}${randomBytes(8).toString('hex')}`,
        outRefundNo,
        outTradeNo: t.outTradeNo,
        transactionId: t.transactionId,
        refund: amount.refund,
        total: t.total,
        status: 'PROCESSING',
      };
      refunds.set(outRefundNo, r);
      t.state = 'REFUND';
      return [200, refundView(r)];
    }
    if ((m = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path)) && method === 'GET') {
      const r = refunds.get(m[1]);
      return r ? [200, refundView(r)] : [404, { code: 'RESOURCE_NOT_EXISTS', message: '退款单不存在' }];
    }
    return [404, { code: 'NOT_FOUND', message: 'no such endpoint' }];
  }

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const method = req.method ?? 'GET';
      requests.push({ method, path: url.pathname });
      let status: number;
      let out: unknown;
      if (!verifyRequest(method, `${url.pathname}${url.search}`, raw, req.headers.authorization)) {
        [status, out] = [401, { code: 'SIGN_ERROR', message: '签名错误' }];
      } else {
        [status, out] = route(
          method,
          url.pathname,
          url.searchParams,
          raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
        );
      }
      const body = out === null ? '' : JSON.stringify(out);
      const headers = signedHeaders(body, badSign ? rsaPair().privatePem : platform.privatePem);
      res.writeHead(status, { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  /** AEAD_AES_256_GCM as WeChat Pay encrypts a notify's resource. */
  function encrypt(plaintext: string, key = apiV3Key) {
    const nonce = randomBytes(6).toString('hex'); // 12 characters
    const associated_data = 'transaction';
    const c = createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(nonce));
    c.setAAD(Buffer.from(associated_data));
    const enc = Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
    return { algorithm: 'AEAD_AES_256_GCM', ciphertext: enc.toString('base64'), associated_data, nonce };
  }

  function notify(
    eventType: string,
    resource: object,
    o: { signWith?: string; key?: string; timestamp?: number } = {},
  ) {
    const body = JSON.stringify({
      id: randomBytes(16).toString('hex'),
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: eventType,
      resource: {
        original_type: eventType.startsWith('REFUND') ? 'refund' : 'transaction',
        ...encrypt(JSON.stringify(resource), o.key),
      },
    });
    const headers: Record<string, string> = signedHeaders(body, o.signWith);
    if (o.timestamp !== undefined) {
      headers['wechatpay-timestamp'] = String(o.timestamp);
      headers['wechatpay-signature'] = sign(
        `${o.timestamp}\n${headers['wechatpay-nonce']}\n${body}\n`,
        o.signWith ?? platform.privatePem,
      );
    }
    return { headers: { ...headers, 'content-type': 'application/json' }, body };
  }

  return {
    gateway: `http://127.0.0.1:${port}`,
    publicKeyPem: platform.publicPem,
    publicKeyId,
    apiV3Key,
    trades,
    refunds,
    requests,
    setBadSign(v: boolean) {
      badSign = v;
    },
    /** The buyer scans the code and pays (no notify: send one with `paidNotify`). */
    pay(outTradeNo: string) {
      const t = trades.get(outTradeNo)!;
      t.state = 'SUCCESS';
      return t;
    },
    /** `TRANSACTION.SUCCESS` for a trade (`override` changes the resource before encrypting). */
    paidNotify(t: WechatTrade, o: { override?: object; signWith?: string; key?: string; timestamp?: number } = {}) {
      return notify(
        'TRANSACTION.SUCCESS',
        { ...transactionView({ ...t, state: 'SUCCESS' }), success_time: new Date().toISOString(), ...o.override },
        o,
      );
    },
    /** Ends a refund (as WeChat Pay does asynchronously) and answers its notify. */
    settleRefund(outRefundNo: string, status: 'SUCCESS' | 'ABNORMAL') {
      const r = refunds.get(outRefundNo)!;
      r.status = status;
      const v = refundView(r);
      return notify(`REFUND.${status}`, {
        mchid: opts.mchId,
        out_trade_no: v.out_trade_no,
        transaction_id: v.transaction_id,
        out_refund_no: v.out_refund_no,
        refund_id: v.refund_id,
        refund_status: status,
        amount: v.amount,
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type WechatGateway = Awaited<ReturnType<typeof startWechatGateway>>;
