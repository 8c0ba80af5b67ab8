/** Minor units (fen) ↔ the providers' amounts, without floating point. */

/** 1234 → "12.34" (Alipay's `total_amount`, yuan with 2 decimals). */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`not an amount in fen: ${fen}`);
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** "12.34" / "12.3" / "12" → 1234; null when it is not a plain non-negative decimal with at most 2 places. */
export function yuanToFen(yuan: string): number | null {
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(yuan);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** The merchant order number sent to the providers: the payment id without dashes (32 hex characters). */
export const toOutTradeNo = (paymentId: string) => paymentId.replaceAll('-', '').toLowerCase();

/** The payment id back from an out_trade_no; null when it is not 32 hex characters. */
export function fromOutTradeNo(no: string): string | null {
  if (!/^[0-9a-f]{32}$/i.test(no)) return null;
  const h = no.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
