import { TRPCClientError } from '@trpc/client';
import type { ErrorData, PurchaseLimitDetails } from '@zjmall/contracts';
import { hasMessage, type Translate } from './i18n';

/** The server's error data (appCode, details, field errors), if the error came from the API. */
export function errorData(e: unknown): ErrorData | null {
  return e instanceof TRPCClientError ? ((e.data as ErrorData | undefined) ?? null) : null;
}

export function appCodeOf(e: unknown): string | null {
  return errorData(e)?.appCode ?? null;
}

/** What to tell the shopper: the appCode's message (and a coupon's reason), or the fields to fix. */
export function errorMessage(t: Translate, e: unknown): string {
  if (!(e instanceof TRPCClientError)) return t('error.network');
  const data = errorData(e);
  const code = data?.appCode;
  if (code) {
    const key = `error.${code}`;
    const base = hasMessage(key) ? t(key) : e.message;
    // A purchase limit says how many one may have and what already counts against it.
    if (code === 'PURCHASE_LIMIT') {
      const d = data?.details as Partial<PurchaseLimitDetails> | undefined;
      if (d?.limit !== undefined)
        return `${base}: ${t('error.PURCHASE_LIMIT.detail', { limit: d.limit, alreadyBought: d.alreadyBought ?? 0, inCart: d.inCart ?? 0 })}`;
    }
    const reason = (data?.details as { reason?: string } | undefined)?.reason;
    const reasonKey = `reason.${reason}`;
    return reason && hasMessage(reasonKey) ? `${base}: ${t(reasonKey)}` : base;
  }
  const fields = Object.keys(data?.zodError?.fieldErrors ?? {});
  if (fields.length) return t('error.field', { fields: fields.join(', ') });
  if (!data) return t('error.network');
  return e.message || t('error.generic');
}
