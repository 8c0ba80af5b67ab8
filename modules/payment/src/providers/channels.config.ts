import { existsSync, readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Config } from '@zjmall/platform';
import { ALIPAY_PRODUCTION_GATEWAY, createAlipayProvider } from './alipay.provider';
import type { PaymentProvider } from './provider';
import { createWechatProvider, WECHATPAY_PRODUCTION_GATEWAY } from './wechat.provider';

export const ALIPAY_VARIABLES = ['ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY'] as const;
export const WECHATPAY_VARIABLES = [
  'WECHATPAY_MCH_ID',
  'WECHATPAY_APP_ID',
  'WECHATPAY_API_V3_KEY',
  'WECHATPAY_SERIAL_NO',
  'WECHATPAY_PRIVATE_KEY',
  'WECHATPAY_PLATFORM_PUBLIC_KEY',
  'WECHATPAY_PLATFORM_PUBLIC_KEY_ID',
] as const;

export type ChannelConfig = Pick<
  Config,
  | 'PUBLIC_BASE_URL'
  | 'STORE_CURRENCY'
  | (typeof ALIPAY_VARIABLES)[number]
  | 'ALIPAY_GATEWAY'
  | (typeof WECHATPAY_VARIABLES)[number]
  | 'WECHATPAY_GATEWAY'
>;

/** A channel's configuration is wrong: startup stops with this message (it names the variable). */
export class ChannelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelConfigError';
  }
}

/** PEM text, or a path to a file holding it; a bare base64 body (as Alipay's key tool prints it) is accepted too. */
function keyText(name: string, value: string): string {
  const v = value.trim();
  if (v.includes('-----BEGIN')) return v;
  if (!/^[A-Za-z0-9+/=\s]+$/.test(v) || existsSync(v)) {
    try {
      return readFileSync(v, 'utf8').trim();
    } catch (e) {
      throw new ChannelConfigError(`${name}: neither a PEM key nor a readable file (${(e as Error).message})`);
    }
  }
  return v;
}

/** A private key in PKCS#8 or PKCS#1 (detected from the PEM header, or by trying both for a bare body). */
export function loadPrivateKey(name: string, value: string): KeyObject {
  const text = keyText(name, value);
  try {
    if (text.includes('-----BEGIN')) return createPrivateKey(text);
    const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
    }
  } catch (e) {
    throw new ChannelConfigError(`${name}: not an RSA private key in PKCS#8 or PKCS#1 (${(e as Error).message})`);
  }
}

/** A public key (SPKI PEM, PKCS#1 PEM, or a bare SPKI base64 body). */
export function loadPublicKey(name: string, value: string): KeyObject {
  const text = keyText(name, value);
  try {
    if (text.includes('-----BEGIN')) return createPublicKey(text);
    return createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch (e) {
    throw new ChannelConfigError(`${name}: not an RSA public key (${(e as Error).message})`);
  }
}

const pkcs8 = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();

/**
 * Is the channel configured? All of its variables: yes; none: no; some: a ChannelConfigError naming
 * the first missing one (a half-configured channel is a mistake, not "off").
 */
function complete(config: Partial<Record<string, string | undefined>>, names: readonly string[], channel: string) {
  const set = names.filter((n) => config[n]);
  if (set.length === 0) return false;
  const missing = names.find((n) => !config[n]);
  if (missing)
    throw new ChannelConfigError(`${missing} is required for the ${channel} channel (${set.join(', ')} set)`);
  return true;
}

/**
 * The real channels switched on by the configuration (Alipay, WeChat Pay). Both are CNY-only: a
 * channel configured while STORE_CURRENCY is not CNY stops startup.
 */
export function providersFromConfig(config: ChannelConfig): PaymentProvider[] {
  const providers: PaymentProvider[] = [];
  const shopPayPage = (id: string) => `${config.PUBLIC_BASE_URL}/pay/${id}`;
  const needCny = (channel: string) => {
    if (config.STORE_CURRENCY !== 'CNY')
      throw new ChannelConfigError(`the ${channel} channel takes CNY only: STORE_CURRENCY is ${config.STORE_CURRENCY}`);
  };
  if (complete(config, ALIPAY_VARIABLES, 'alipay')) {
    needCny('alipay');
    providers.push(
      createAlipayProvider({
        appId: config.ALIPAY_APP_ID!,
        privateKey: pkcs8(loadPrivateKey('ALIPAY_PRIVATE_KEY', config.ALIPAY_PRIVATE_KEY!)),
        alipayPublicKey: spki(loadPublicKey('ALIPAY_PUBLIC_KEY', config.ALIPAY_PUBLIC_KEY!)),
        gateway: config.ALIPAY_GATEWAY ?? ALIPAY_PRODUCTION_GATEWAY,
        notifyUrl: `${config.PUBLIC_BASE_URL}/payments/callback/alipay`,
        shopPayPage,
      }),
    );
  }
  if (complete(config, WECHATPAY_VARIABLES, 'wechat')) {
    needCny('wechat');
    if (Buffer.byteLength(config.WECHATPAY_API_V3_KEY!) !== 32)
      throw new ChannelConfigError('WECHATPAY_API_V3_KEY: must be the 32-character API v3 key');
    providers.push(
      createWechatProvider({
        mchId: config.WECHATPAY_MCH_ID!,
        appId: config.WECHATPAY_APP_ID!,
        apiV3Key: config.WECHATPAY_API_V3_KEY!,
        serialNo: config.WECHATPAY_SERIAL_NO!,
        privateKey: pkcs8(loadPrivateKey('WECHATPAY_PRIVATE_KEY', config.WECHATPAY_PRIVATE_KEY!)),
        platformPublicKey: spki(loadPublicKey('WECHATPAY_PLATFORM_PUBLIC_KEY', config.WECHATPAY_PLATFORM_PUBLIC_KEY!)),
        platformPublicKeyId: config.WECHATPAY_PLATFORM_PUBLIC_KEY_ID!,
        gateway: config.WECHATPAY_GATEWAY ?? WECHATPAY_PRODUCTION_GATEWAY,
        notifyUrl: `${config.PUBLIC_BASE_URL}/payments/callback/wechat`,
        shopPayPage,
      }),
    );
  }
  return providers;
}
