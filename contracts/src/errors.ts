/** Domain error codes (docs/api.md, Errors) and the tRPC code each one is answered with. */
export const APP_CODE_TO_TRPC = {
  INSUFFICIENT_STOCK: 'CONFLICT',
  SKU_NOT_FOUND: 'NOT_FOUND',
  SKU_UNAVAILABLE: 'CONFLICT',
  CART_LINE_LIMIT: 'BAD_REQUEST',
  QUANTITY_LIMIT: 'BAD_REQUEST',
  CART_ITEM_NOT_FOUND: 'NOT_FOUND',
  ORDER_NOT_FOUND: 'NOT_FOUND',
  ILLEGAL_TRANSITION: 'CONFLICT',
  ORDER_EXPIRED: 'CONFLICT',
  PAYMENT_AMOUNT_MISMATCH: 'BAD_REQUEST',
  PAYMENT_NOT_FOUND: 'NOT_FOUND',
  /** `payment.create` with a channel that is not switched on (its configuration is absent). */
  CHANNEL_UNAVAILABLE: 'BAD_REQUEST',
  /** `payment.admin.replayInbox` of an entry that does not exist. */
  INBOX_ENTRY_NOT_FOUND: 'NOT_FOUND',
  REFUND_EXCEEDS_PAID: 'BAD_REQUEST',
  COUPON_INVALID: 'BAD_REQUEST',
  EMAIL_TAKEN: 'CONFLICT',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  IDEMPOTENCY_CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  PRODUCT_NOT_FOUND: 'NOT_FOUND',
  ADDRESS_NOT_FOUND: 'NOT_FOUND',
  CATEGORY_NOT_FOUND: 'NOT_FOUND',
  BRAND_NOT_FOUND: 'NOT_FOUND',
  /** A category that still has subcategories or products cannot be deleted. */
  CATEGORY_NOT_EMPTY: 'CONFLICT',
  /** A brand that a product still uses cannot be deleted. */
  BRAND_IN_USE: 'CONFLICT',
  JOB_NOT_FOUND: 'NOT_FOUND',
  /** `pricing.admin.disableCoupon` of a code that does not exist. */
  COUPON_NOT_FOUND: 'NOT_FOUND',
  CART_EMPTY: 'BAD_REQUEST',
  PRICE_CHANGED: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  /** The account was disabled by an admin: its tokens stop working and it cannot sign in. */
  ACCOUNT_DISABLED: 'FORBIDDEN',
  /** The change would leave no active admin (the last admin cannot demote or disable themself). */
  LAST_ADMIN: 'CONFLICT',
  USER_NOT_FOUND: 'NOT_FOUND',
  /** A contended resource (e.g. a hot SKU's lock) stayed busy past its wait: retry shortly. */
  BUSY: 'SERVICE_UNAVAILABLE',
  /** Stock changed between planning a change and writing it (inventory's fence refused it): nothing was written, retry. */
  STOCK_CHANGED: 'CONFLICT',
  /** `sale.join` before or after the sale's window, or of a SKU without a queued sale. */
  SALE_NOT_OPEN: 'CONFLICT',
  /** A SKU in a queued sale's window, added or checked out without an admitted ticket. */
  NOT_ADMITTED: 'FORBIDDEN',
  /** More units of a SKU than its purchase limit lets one customer have (cart plus orders). */
  PURCHASE_LIMIT: 'CONFLICT',
} as const;

export type AppCode = keyof typeof APP_CODE_TO_TRPC;
export type TrpcErrorCode = (typeof APP_CODE_TO_TRPC)[AppCode];
export const APP_CODES = Object.keys(APP_CODE_TO_TRPC) as AppCode[];

/** The `data` part of every error answer (docs/api.md, Wire). */
export interface ErrorData {
  code: string;
  httpStatus: number;
  path?: string;
  appCode?: AppCode;
  details?: unknown;
  zodError?: { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> } | null;
  requestId?: string;
  stack?: string;
}
