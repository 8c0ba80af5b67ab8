import type { NotificationLocale } from '@zjmall/contracts';

/** What texts are rendered with: the store's currency and time zone (STORE_CURRENCY, STORE_TIMEZONE). */
export interface RenderContext {
  locale: NotificationLocale;
  currency: string;
  timeZone: string;
}

export interface Rendered {
  title: string;
  body: string;
}

type Data = Record<string, unknown>;
type Template = (d: Data, f: Formatters) => Rendered;

interface Formatters {
  money(minor: unknown): string;
  time(iso: unknown): string;
  str(v: unknown): string;
}

function formatters(ctx: RenderContext): Formatters {
  const money = new Intl.NumberFormat(ctx.locale, { style: 'currency', currency: ctx.currency });
  const time = new Intl.DateTimeFormat(ctx.locale, {
    timeZone: ctx.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  return {
    // Minor units (fen, cents); every currency the shop uses has two decimals.
    money: (v) => money.format(typeof v === 'number' ? v / 100 : 0),
    time: (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? time.format(new Date(v)) : ''),
    str: (v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : ''),
  };
}

const count = (v: unknown) => (Array.isArray(v) ? v.length : typeof v === 'number' ? v : 0);

/** The texts of each notification type, per locale. A type without a template shows its type. */
const TEMPLATES: Record<NotificationLocale, Record<string, Template>> = {
  'zh-CN': {
    'order.created': (d, f) => ({
      title: '订单待支付',
      body: `订单 ${f.str(d.orderNo)} 已提交，应付 ${f.money(d.amount)}，请在 ${f.time(d.expiresAt)} 前完成支付。`,
    }),
    'order.paid': (d, f) => ({
      title: '支付成功',
      body: `订单 ${f.str(d.orderNo)} 已支付 ${f.money(d.amount)}，我们会尽快发货。`,
    }),
    'order.shipped': (d, f) => ({
      title: '订单已发货',
      body: `订单 ${f.str(d.orderNo)} 已由 ${f.str(d.carrier)} 发出，运单号 ${f.str(d.trackingNo)}。`,
    }),
    'order.completed': (d, f) => ({ title: '订单已完成', body: `订单 ${f.str(d.orderNo)} 已完成，感谢您的购买。` }),
    'order.cancelled': (d, f) => ({
      title: '订单已取消',
      body:
        d.by === 'timeout'
          ? `订单 ${f.str(d.orderNo)} 超时未支付，已自动取消。`
          : d.by === 'customer'
            ? `您已取消订单 ${f.str(d.orderNo)}。`
            : `订单 ${f.str(d.orderNo)} 已被商家取消${d.reason ? `：${f.str(d.reason)}` : ''}。`,
    }),
    'order.refunded': (d, f) => ({
      title: d.full ? '订单已全额退款' : '订单已部分退款',
      body: `订单 ${f.str(d.orderNo)} 已退款 ${f.money(d.amount)}（累计 ${f.money(d.refundedAmount)}）。`,
    }),
    'payment.failed': (d, f) => ({
      title: '支付失败',
      body: `订单 ${f.str(d.orderNo)} 的支付未成功，请在订单过期前重新支付。`,
    }),
    'catalog.price_dropped': (d, f) => {
      const skus = Array.isArray(d.skus) ? (d.skus as Data[]) : [];
      const first = skus[0] ?? {};
      return {
        title: '购物车商品降价了',
        body:
          skus.length === 1
            ? `您购物车中的商品由 ${f.money(first.oldPrice)} 降至 ${f.money(first.newPrice)}。`
            : `您购物车中有 ${skus.length} 件商品降价了。`,
      };
    },
    'catalog.product_unpublished': (d) => ({
      title: '购物车商品已下架',
      body: `您购物车中的 ${count(d.skuIds)} 件商品已下架，暂时无法购买。`,
    }),
    'inventory.low_stock': (d, f) => ({
      title: '库存预警',
      body: `SKU ${f.str(d.skuId)} 可售库存 ${f.str(d.available)}，低于预警值 ${f.str(d.threshold)}。`,
    }),
    'order.expiring': (d, f) => ({
      title: '订单即将超时',
      body: `${count(d.count)} 个未支付订单将在 ${f.time(d.before)} 前超时取消。`,
    }),
    'payment.amount_mismatch': (d, f) => ({
      title: '支付金额不符',
      body: `支付 ${f.str(d.paymentId)} 的回调金额 ${f.money(d.reported)} 与应付 ${f.money(d.expected)} 不符，未入账。`,
    }),
    'platform.dead_letter': (d, f) => ({
      title: '事件处理失败',
      body: `${f.str(d.consumer)} 放弃处理事件 ${f.str(d.eventType)}（${f.str(d.eventId)}）：${f.str(d.error)}`,
    }),
  },
  en: {
    'order.created': (d, f) => ({
      title: 'Order awaiting payment',
      body: `Order ${f.str(d.orderNo)} was placed: ${f.money(d.amount)} to pay by ${f.time(d.expiresAt)}.`,
    }),
    'order.paid': (d, f) => ({
      title: 'Payment received',
      body: `Order ${f.str(d.orderNo)} is paid (${f.money(d.amount)}); we will ship it soon.`,
    }),
    'order.shipped': (d, f) => ({
      title: 'Order shipped',
      body: `Order ${f.str(d.orderNo)} was shipped with ${f.str(d.carrier)}, tracking number ${f.str(d.trackingNo)}.`,
    }),
    'order.completed': (d, f) => ({
      title: 'Order completed',
      body: `Order ${f.str(d.orderNo)} is complete. Thank you!`,
    }),
    'order.cancelled': (d, f) => ({
      title: 'Order cancelled',
      body:
        d.by === 'timeout'
          ? `Order ${f.str(d.orderNo)} was not paid in time and was cancelled.`
          : d.by === 'customer'
            ? `You cancelled order ${f.str(d.orderNo)}.`
            : `Order ${f.str(d.orderNo)} was cancelled by the shop${d.reason ? `: ${f.str(d.reason)}` : ''}.`,
    }),
    'order.refunded': (d, f) => ({
      title: d.full ? 'Order refunded' : 'Order partly refunded',
      body: `Order ${f.str(d.orderNo)}: ${f.money(d.amount)} refunded (${f.money(d.refundedAmount)} in all).`,
    }),
    'payment.failed': (d, f) => ({
      title: 'Payment failed',
      body: `The payment of order ${f.str(d.orderNo)} did not go through; pay again before the order expires.`,
    }),
    'catalog.price_dropped': (d, f) => {
      const skus = Array.isArray(d.skus) ? (d.skus as Data[]) : [];
      const first = skus[0] ?? {};
      return {
        title: 'Price drop in your cart',
        body:
          skus.length === 1
            ? `An item in your cart now costs ${f.money(first.newPrice)} (was ${f.money(first.oldPrice)}).`
            : `${skus.length} items in your cart are cheaper now.`,
      };
    },
    'catalog.product_unpublished': (d) => ({
      title: 'Item no longer available',
      body: `${count(d.skuIds)} item(s) in your cart are off sale and cannot be bought for now.`,
    }),
    'inventory.low_stock': (d, f) => ({
      title: 'Low stock',
      body: `SKU ${f.str(d.skuId)} has ${f.str(d.available)} available, below its threshold of ${f.str(d.threshold)}.`,
    }),
    'order.expiring': (d, f) => ({
      title: 'Unpaid orders about to expire',
      body: `${count(d.count)} unpaid order(s) will be cancelled by ${f.time(d.before)}.`,
    }),
    'payment.amount_mismatch': (d, f) => ({
      title: 'Payment amount mismatch',
      body: `Payment ${f.str(d.paymentId)} was reported as ${f.money(d.reported)} but ${f.money(d.expected)} was due; not applied.`,
    }),
    'platform.dead_letter': (d, f) => ({
      title: 'Event handling failed',
      body: `${f.str(d.consumer)} gave up on ${f.str(d.eventType)} (${f.str(d.eventId)}): ${f.str(d.error)}`,
    }),
  },
};

/** Title and body of a notification, rendered now in `ctx.locale`. */
export function render(type: string, data: Data, ctx: RenderContext): Rendered {
  const t = TEMPLATES[ctx.locale][type];
  return t ? t(data, formatters(ctx)) : { title: type, body: '' };
}

export const TEMPLATE_TYPES = Object.keys(TEMPLATES['zh-CN']);
