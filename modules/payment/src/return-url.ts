import { FieldError } from '@zjmall/platform';
import type { PaymentConfig } from './payment.deps';

/**
 * `payment.create`'s `returnUrl` as an absolute URL on an origin this shop trusts: a path is
 * resolved against PUBLIC_BASE_URL's origin; an absolute URL must be on that origin or one of
 * CORS_ORIGINS (the browsers the API serves). Anything else is a field error, so a pay page can
 * never be turned into an open redirect. (The contract's schema has already checked the shape.)
 */
export function createReturnUrlResolver(config: Pick<PaymentConfig, 'PUBLIC_BASE_URL' | 'CORS_ORIGINS'>) {
  const shop = new URL(config.PUBLIC_BASE_URL).origin;
  const allowed = new Set([shop]);
  for (const o of config.CORS_ORIGINS) {
    if (URL.canParse(o)) allowed.add(new URL(o).origin);
  }
  return function resolveReturnUrl(raw: string | undefined): string | null {
    if (raw === undefined) return null;
    const relative = raw.startsWith('/') && !raw.startsWith('//');
    const base = relative ? shop : undefined;
    const url = URL.canParse(raw, base) ? new URL(raw, base) : null;
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      !allowed.has(url.origin) ||
      url.username ||
      url.password
    ) {
      throw new FieldError(
        'BAD_REQUEST',
        ['returnUrl'],
        `must be a path on this shop or a URL on ${[...allowed].join(', ')}`,
      );
    }
    return url.href;
  };
}
