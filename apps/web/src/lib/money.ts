/**
 * Minor units (fen, cents) as the locale shows the store's currency, without floats: the integer
 * becomes a decimal string ("12345" → "123.45") that Intl.NumberFormat formats exactly.
 */
const formats = new Map<string, Intl.NumberFormat>();

export function formatMoney(minor: number, currency: string, locale: string): string {
  const key = `${locale}|${currency}`;
  let nf = formats.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formats.set(key, nf);
  }
  const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  const neg = minor < 0;
  const s = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  const dec = digits > 0 ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return nf.format(`${neg ? '-' : ''}${dec}` as `${number}`);
}
