import { z } from 'zod';
import { Id, IdempotencyKey, SafeString, safeChars } from './common.schemas';

const Money = z.number().int().min(0);

/** The sandbox channels (development, tests) and the real ones: Alipay and WeChat Pay (Native). */
export const PaymentChannel = z.enum(['sandbox_alipay', 'sandbox_wechat', 'alipay', 'wechat']);
export type PaymentChannel = z.infer<typeof PaymentChannel>;

/** docs/api.md, payment: pending → succeeded | failed | closed; succeeded → partially_refunded → refunded. */
export const PaymentStatus = z.enum(['pending', 'succeeded', 'failed', 'closed', 'refunded', 'partially_refunded']);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const Payment = z.object({
  id: z.string(),
  orderId: z.string(),
  channel: PaymentChannel,
  status: PaymentStatus,
  amount: Money,
  refundedAmount: Money,
  currency: z.string(),
  /**
   * Where the customer pays: the sandbox's page (on PUBLIC_BASE_URL), Alipay's signed gateway URL
   * (GET), or for WeChat Pay the shop's pay page `/pay/:paymentId` that shows `qrCode`.
   */
  payUrl: z.string(),
  /** WeChat Pay Native's `code_url` (what the QR code encodes); null for other channels. */
  qrCode: z.string().nullable(),
  transactionId: z.string().nullable(),
  createdAt: z.string(),
  paidAt: z.string().nullable(),
  /** Where the sandbox page sends a browser after its button (absolute), or null. */
  returnUrl: z.string().nullable(),
});
export type Payment = z.infer<typeof Payment>;

/**
 * Where the provider's page sends the browser back: a path on the shop (`/orders/…`, one leading
 * `/`) or an absolute http(s) URL. Only the shape is checked here; that an absolute URL's origin
 * is the shop's (PUBLIC_BASE_URL) or one of CORS_ORIGINS is checked by the payment service.
 */
export const ReturnUrl = SafeString.min(1)
  .max(2000)
  .refine((v) => !/[\s\\\u0000-\u001f\u007f]/.test(v), 'must not contain whitespace, control characters or backslashes')
  .refine(
    (v) => (v.startsWith('/') ? !v.startsWith('//') : /^https?:\/\/[^/]/i.test(v) && URL.canParse(v)),
    'must be a path starting with a single / or an absolute http(s) URL',
  );
export type ReturnUrl = z.infer<typeof ReturnUrl>;

/** Alipay: `desktop` pays on the PC page (alipay.trade.page.pay), `mobile` on the WAP page (alipay.trade.wap.pay). */
export const PaymentDevice = z.enum(['desktop', 'mobile']);
export type PaymentDevice = z.infer<typeof PaymentDevice>;

export const PaymentCreateInput = z.object({
  orderId: Id,
  channel: PaymentChannel,
  idempotencyKey: IdempotencyKey,
  returnUrl: ReturnUrl.optional(),
  device: PaymentDevice.optional(),
});
export type PaymentCreateInput = z.infer<typeof PaymentCreateInput>;

/** `payment.channels`: the channels switched on, with a name to show. */
export const PaymentChannelInfo = z.object({ channel: PaymentChannel, name: z.string() });
export type PaymentChannelInfo = z.infer<typeof PaymentChannelInfo>;
export const PaymentChannels = z.array(PaymentChannelInfo);
export type PaymentChannels = z.infer<typeof PaymentChannels>;

export const PaymentIdInput = z.object({ id: Id });
export type PaymentIdInput = z.infer<typeof PaymentIdInput>;

export const PaymentForOrderInput = z.object({ orderId: Id });
export type PaymentForOrderInput = z.infer<typeof PaymentForOrderInput>;

export const RefundItem = z.object({ skuId: Id, quantity: z.number().int().min(1).max(999) });
export type RefundItem = z.infer<typeof RefundItem>;

export const RefundInput = z.object({
  paymentId: Id,
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  items: z.array(RefundItem).max(100).optional(),
  reason: SafeString.trim().min(1).max(200),
  idempotencyKey: IdempotencyKey,
});
export type RefundInput = z.infer<typeof RefundInput>;

/**
 * A refund through a provider may be `pending` (WeChat Pay refunds are asynchronous; an Alipay
 * refund whose answer was lost): stock and amounts move when it `succeeded`; `failed` moves nothing.
 */
export const RefundStatus = z.enum(['pending', 'succeeded', 'failed']);
export type RefundStatus = z.infer<typeof RefundStatus>;
export const Refund = z.object({
  id: z.string(),
  paymentId: z.string(),
  orderId: z.string(),
  amount: Money,
  items: z.array(z.object({ skuId: z.string(), quantity: z.number().int() })),
  reason: z.string(),
  status: RefundStatus,
  createdAt: z.string(),
});
export type Refund = z.infer<typeof Refund>;

/** `payment.admin.forOrder`: a payment with its refunds (oldest first) and what can still be refunded from it. */
export const AdminPayment = Payment.extend({
  refunds: z.array(Refund),
  /** amount − refundedAmount − refunds still pending, for a succeeded or partly refunded payment; else 0. */
  refundableAmount: Money,
});
export type AdminPayment = z.infer<typeof AdminPayment>;
export const AdminPaymentList = z.array(AdminPayment);
export type AdminPaymentList = z.infer<typeof AdminPaymentList>;

const StatsBound = z.iso.datetime({ offset: true }).check(safeChars).or(z.iso.date().check(safeChars));

/** `{from, to}`: ISO dates or date-times; days are calendar days in STORE_TIMEZONE. */
export const PaymentStatsInput = z
  .object({ from: StatsBound, to: StatsBound })
  .refine((v) => new Date(v.from).getTime() <= new Date(v.to).getTime(), {
    message: 'from must not be after to',
    path: ['from'],
  });
export type PaymentStatsInput = z.infer<typeof PaymentStatsInput>;

export const PaymentStatsRow = z.object({
  day: z.string(),
  channel: PaymentChannel,
  count: z.number().int(),
  amount: Money,
  refundedAmount: Money,
});
export const PaymentStats = z.object({
  from: z.string(),
  to: z.string(),
  currency: z.string(),
  /** STORE_TIMEZONE: the zone whose calendar days \`day\` counts (a client's "today" is this zone's). */
  timezone: z.string(),
  rows: z.array(PaymentStatsRow),
  totals: z.object({ count: z.number().int(), amount: Money, refundedAmount: Money }),
});
export type PaymentStats = z.infer<typeof PaymentStats>;

/** `payment.admin.inbox {paymentId}`: the provider messages stored for a payment, oldest first. */
export const PaymentInboxInput = z.object({ paymentId: Id });
export type PaymentInboxInput = z.infer<typeof PaymentInboxInput>;

export const InboxEntry = z.object({
  id: z.string(),
  paymentId: z.string(),
  channel: PaymentChannel,
  /** The message's key (Alipay: `trade_no:trade_status`; sandbox and WeChat: the transaction or refund id and state). */
  key: z.string(),
  /** `received` (stored, not processed yet), `processed`, or `rejected`. */
  status: z.enum(['received', 'processed', 'rejected']),
  /** What processing did (`succeeded`, `duplicate`, `closed`, `refund_succeeded`…) or why it refused (`amount_mismatch`, `unknown_payment`, `unreadable`). */
  outcome: z.string().nullable(),
  deliveries: z.number().int(),
  receivedAt: z.string(),
  processedAt: z.string().nullable(),
  /** Whether `payment.admin.replayInbox` would process it again (stuck `received`, or refused for a transient reason). */
  replayable: z.boolean(),
  payload: z.unknown(),
});
export type InboxEntry = z.infer<typeof InboxEntry>;
export const InboxEntries = z.array(InboxEntry);
export type InboxEntries = z.infer<typeof InboxEntries>;

/** `payment.admin.replayInbox {entryId}`: processes an entry again from its stored payload (idempotent). */
export const ReplayInboxInput = z.object({ entryId: Id });
export type ReplayInboxInput = z.infer<typeof ReplayInboxInput>;

/** The sandbox provider's callback body (a real channel has its own). */
export const SandboxCallback = z.object({
  paymentId: SafeString.min(1).max(100),
  transactionId: SafeString.min(1).max(100),
  status: z.enum(['SUCCESS', 'FAILED']),
  amount: z.number().int().min(0),
  currency: SafeString.min(3).max(3),
  timestamp: z.number().int(),
  nonce: SafeString.min(1).max(100),
});
export type SandboxCallback = z.infer<typeof SandboxCallback>;

// ---- events (payload version 1) ----------------------------------------------------------------

export const PAYMENT_EVENT_VERSION = 1;

export const PaymentSucceededV1 = z.object({
  paymentId: z.string(),
  orderId: z.string(),
  channel: PaymentChannel,
  amount: Money,
  currency: z.string(),
  transactionId: z.string(),
  /** false when the order could not take it (cancelled, or paid by another payment): refunded at once. */
  applied: z.boolean(),
});
export type PaymentSucceededV1 = z.infer<typeof PaymentSucceededV1>;

export const PaymentFailedV1 = z.object({
  paymentId: z.string(),
  orderId: z.string(),
  channel: PaymentChannel,
  transactionId: z.string(),
});
export type PaymentFailedV1 = z.infer<typeof PaymentFailedV1>;

export const PaymentRefundedV1 = z.object({
  paymentId: z.string(),
  orderId: z.string(),
  refundId: z.string(),
  amount: Money,
  refundedAmount: Money,
  status: PaymentStatus,
  /** true for the automatic refund of a success that arrived after the order was cancelled. */
  automatic: z.boolean(),
});
export type PaymentRefundedV1 = z.infer<typeof PaymentRefundedV1>;

/**
 * A verified provider callback whose amount or currency is not the payment's: nothing was applied
 * (the callback was answered PAYMENT_AMOUNT_MISMATCH). Published once per provider transaction.
 */
export const PaymentAmountMismatchV1 = z.object({
  paymentId: z.string(),
  orderId: z.string(),
  channel: PaymentChannel,
  transactionId: z.string(),
  /** What was due, in the payment's currency. */
  expected: Money,
  currency: z.string(),
  /** What the provider reported, in `reportedCurrency`. */
  reported: Money,
  reportedCurrency: z.string(),
});
export type PaymentAmountMismatchV1 = z.infer<typeof PaymentAmountMismatchV1>;
