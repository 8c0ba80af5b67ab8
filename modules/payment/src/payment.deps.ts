import { QueryTypes, type Transaction } from 'sequelize';
import type { Payment, PaymentChannel, PaymentStatus } from '@zjmall/contracts';
import { DomainError, type Config, type Db, type Logger, type Outbox } from '@zjmall/platform';
import type { OrderService } from '@zjmall/order';
import type { PaymentProvider, ProviderPayment } from './providers/provider';
import type { ChannelConfig } from './providers/channels.config';

export type PaymentConfig = Pick<
  Config,
  'PUBLIC_BASE_URL' | 'SANDBOX_PAYMENTS' | 'STORE_TIMEZONE' | 'STORE_CURRENCY' | 'CORS_ORIGINS'
> &
  Partial<ChannelConfig>;

export interface PaymentDeps {
  db: Db;
  outbox: Outbox;
  log: Logger;
  config: PaymentConfig;
  order: Pick<OrderService, 'payments' | 'get' | 'admin'>;
  providers: Map<PaymentChannel, PaymentProvider>;
}

export interface PaymentRow {
  id: string;
  order_id: string;
  user_id: string;
  channel: PaymentChannel;
  status: PaymentStatus;
  amount: number;
  refunded_amount: number;
  currency: string;
  transaction_id: string | null;
  created_at: Date;
  paid_at: Date | null;
  return_url: string | null;
  pay_url: string | null;
  qr_code: string | null;
  device: 'desktop' | 'mobile';
}

export function select<T extends object>(
  db: Db,
  sql: string,
  bind: unknown[],
  transaction?: Transaction,
): Promise<T[]> {
  return db.query<T>(sql, { bind, type: QueryTypes.SELECT, transaction });
}

export const paymentNotFound = (id: string) => new DomainError('PAYMENT_NOT_FOUND', 'Payment not found', { id });

export async function findPayment(
  db: Db,
  id: string,
  opts: { userId?: string; tx?: Transaction; lock?: boolean } = {},
): Promise<PaymentRow | null> {
  const [row] = await select<PaymentRow>(
    db,
    `SELECT * FROM payment.payments WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)${opts.lock ? ' FOR UPDATE' : ''}`,
    [id, opts.userId ?? null],
    opts.tx,
  );
  return row ?? null;
}

export function toPayment(r: PaymentRow, providers: Map<PaymentChannel, PaymentProvider>, baseUrl: string): Payment {
  const provider = providers.get(r.channel);
  return {
    id: r.id,
    orderId: r.order_id,
    channel: r.channel,
    status: r.status,
    amount: r.amount,
    refundedAmount: r.refunded_amount,
    currency: r.currency,
    payUrl: r.pay_url ?? (provider ? provider.payUrl(r.id) : `${baseUrl}/pay/${r.id}`),
    qrCode: r.qr_code ?? null,
    transactionId: r.transaction_id,
    createdAt: new Date(r.created_at).toISOString(),
    paidAt: r.paid_at ? new Date(r.paid_at).toISOString() : null,
    returnUrl: r.return_url ?? null,
  };
}

/** The payment as its provider needs it. */
export const toProviderPayment = (r: PaymentRow): ProviderPayment => ({
  id: r.id,
  orderId: r.order_id,
  amount: Number(r.amount),
  currency: r.currency,
  returnUrl: r.return_url,
  device: r.device,
  transactionId: r.transaction_id,
});
