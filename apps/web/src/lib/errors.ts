import { TRPCClientError } from '@trpc/client';
import type { ErrorData } from '@zjmall/contracts';
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
    const reason = (data?.details as { reason?: string } | undefined)?.reason;
    const reasonKey = `reason.${reason}`;
    return reason && hasMessage(reasonKey) ? `${base}: ${t(reasonKey)}` : base;
  }
  const fields = Object.keys(data?.zodError?.fieldErrors ?? {});
  if (fields.length) return t('error.field', { fields: fields.join(', ') });
  if (!data) return t('error.network');
  return e.message || t('error.generic');
}
