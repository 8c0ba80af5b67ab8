import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

/** The shop's two languages. English when the browser asks for it first, Chinese otherwise; a switch in the header. */
export type Lang = 'zh' | 'en';

const zh = {
  shopName: 'zjmall 商城',
  home: '首页',
  search: '搜索',
  searchPlaceholder: '搜索商品',
  cart: '购物车',
  checkout: '结算',
  placeOrder: '提交订单',
  pay: '支付',
  signIn: '登录',
  register: '注册',
  signOut: '退出',
  myOrders: '我的订单',
  account: '我的账户',
  language: '语言',
  categories: '分类',
  allCategories: '全部分类',
  brands: '品牌',
  allBrands: '全部品牌',
  products: '商品',
  noProducts: '没有找到商品',
  loadMore: '加载更多',
  loading: '加载中…',
  addToCart: '加入购物车',
  added: '已加入购物车',
  quantity: '数量',
  price: '价格',
  basePrice: '原价',
  promotionUntil: '促销至',
  inStock: '有货',
  lowStock: '库存紧张',
  outOfStock: '缺货',
  stockLeft: '剩余 {n} 件',
  attributes: '商品参数',
  description: '商品介绍',
  chooseSpec: '选择规格',
  unavailableCombo: '该组合不可售',
  cartEmpty: '购物车是空的',
  continueShopping: '继续购物',
  selectAll: '全选',
  select: '选择',
  remove: '删除',
  priceChanged: '价格已变动，加入时为',
  unavailable: '不可售',
  subtotal: '小计',
  selectedTotal: '已选 {n} 件，合计',
  discount: '优惠',
  payable: '应付',
  shipping: '运费',
  total: '总计',
  coupon: '优惠券',
  couponCode: '优惠码',
  apply: '使用',
  removeCoupon: '移除优惠券',
  couponNotApplied: '优惠券暂不可用：{reason}',
  email: '邮箱',
  password: '密码',
  name: '姓名',
  noAccount: '还没有账号？',
  haveAccount: '已有账号？',
  mergedLines: '已将访客购物车的 {n} 个商品合并到您的购物车',
  mergeCapped: '{name}：数量已按限制调整为 {q}（原 {r}）',
  addresses: '收货地址',
  addAddress: '新增地址',
  receiver: '收货人',
  phone: '电话',
  province: '省份',
  city: '城市',
  district: '区县',
  detail: '详细地址',
  makeDefault: '设为默认',
  isDefault: '默认',
  save: '保存',
  cancel: '取消',
  deliverTo: '收货地址',
  chooseAddress: '请选择收货地址',
  orderItems: '商品清单',
  priceChangedAsk: '价格有变动，新的应付金额为',
  priceChangedAgain: '请确认后再次提交订单。',
  order: '订单',
  orderNo: '订单号',
  status: '状态',
  allStatuses: '全部状态',
  createdAt: '下单时间',
  payBefore: '请在 {at} 前支付',
  paymentChannel: '支付方式',
  cancelOrder: '取消订单',
  orderLog: '订单记录',
  noOrders: '暂无订单',
  notFound: '页面不存在',
  orderNotFound: '订单不存在',
  productNotFound: '商品不存在',
  back: '返回',
  signInToCheckout: '请先登录再结算',
  tracking: '物流',
  paidAt: '支付时间',
  paidLive: '支付成功',
  waitingPayment: '等待支付结果…',
  'status.pending_payment': '待支付',
  'status.paid': '已支付',
  'status.shipped': '已发货',
  'status.completed': '已完成',
  'status.cancelled': '已取消',
  'refund.partial': '部分退款',
  'refund.full': '已全额退款',
  'reason.not_found': '优惠码不存在',
  'reason.disabled': '优惠券已停用',
  'reason.not_started': '尚未开始',
  'reason.expired': '已过期',
  'reason.limit_reached': '已领完',
  'reason.min_spend': '未达到最低消费',
  'reason.user_limit': '您已用过此优惠券',
  'error.INSUFFICIENT_STOCK': '库存不足',
  'error.SKU_UNAVAILABLE': '该商品暂不可售',
  'error.SKU_NOT_FOUND': '商品不存在',
  'error.QUANTITY_LIMIT': '超过可购买数量',
  'error.CART_LINE_LIMIT': '购物车商品种类已达上限',
  'error.CART_EMPTY': '没有选中的商品',
  'error.PRICE_CHANGED': '价格已变动',
  'error.COUPON_INVALID': '优惠券不可用',
  'error.EMAIL_TAKEN': '该邮箱已注册',
  'error.INVALID_CREDENTIALS': '邮箱或密码错误',
  'error.ORDER_EXPIRED': '订单已过期，无法支付',
  'error.ILLEGAL_TRANSITION': '订单当前状态不允许此操作',
  'error.ORDER_NOT_FOUND': '订单不存在',
  'error.RATE_LIMITED': '请求过于频繁，请稍后再试',
  'error.BUSY': '系统繁忙，请稍后再试',
  'error.UNAUTHENTICATED': '请重新登录',
  'error.network': '网络错误，请重试',
  'error.field': '请检查：{fields}',
  'error.generic': '操作失败，请重试',
};

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  shopName: 'zjmall',
  home: 'Home',
  search: 'Search',
  searchPlaceholder: 'Search products',
  cart: 'Cart',
  checkout: 'Checkout',
  placeOrder: 'Place order',
  pay: 'Pay',
  signIn: 'Sign in',
  register: 'Register',
  signOut: 'Sign out',
  myOrders: 'My orders',
  account: 'Account',
  language: 'Language',
  categories: 'Categories',
  allCategories: 'All categories',
  brands: 'Brands',
  allBrands: 'All brands',
  products: 'Products',
  noProducts: 'No products found',
  loadMore: 'Load more',
  loading: 'Loading…',
  addToCart: 'Add to cart',
  added: 'Added to cart',
  quantity: 'Quantity',
  price: 'Price',
  basePrice: 'Regular price',
  promotionUntil: 'Offer ends',
  inStock: 'In stock',
  lowStock: 'Low stock',
  outOfStock: 'Out of stock',
  stockLeft: '{n} left',
  attributes: 'Specifications',
  description: 'Description',
  chooseSpec: 'Choose options',
  unavailableCombo: 'This combination is not available',
  cartEmpty: 'Your cart is empty',
  continueShopping: 'Continue shopping',
  selectAll: 'Select all',
  select: 'Select',
  remove: 'Remove',
  priceChanged: 'Price changed; when added it was',
  unavailable: 'Unavailable',
  subtotal: 'Subtotal',
  selectedTotal: '{n} selected, total',
  discount: 'Discount',
  payable: 'To pay',
  shipping: 'Shipping',
  total: 'Total',
  coupon: 'Coupon',
  couponCode: 'Coupon code',
  apply: 'Apply',
  removeCoupon: 'Remove coupon',
  couponNotApplied: 'Coupon not applied: {reason}',
  email: 'Email',
  password: 'Password',
  name: 'Name',
  noAccount: 'New here?',
  haveAccount: 'Already have an account?',
  mergedLines: 'Merged {n} line(s) from your guest cart into your cart',
  mergeCapped: '{name}: quantity capped at {q} (asked {r})',
  addresses: 'Addresses',
  addAddress: 'Add address',
  receiver: 'Receiver',
  phone: 'Phone',
  province: 'Province',
  city: 'City',
  district: 'District',
  detail: 'Street address',
  makeDefault: 'Make default',
  isDefault: 'Default',
  save: 'Save',
  cancel: 'Cancel',
  deliverTo: 'Deliver to',
  chooseAddress: 'Choose a delivery address',
  orderItems: 'Items',
  priceChangedAsk: 'Prices changed: the new amount to pay is',
  priceChangedAgain: 'Check it and place the order again.',
  order: 'Order',
  orderNo: 'Order no.',
  status: 'Status',
  allStatuses: 'All statuses',
  createdAt: 'Placed',
  payBefore: 'Pay before {at}',
  paymentChannel: 'Payment method',
  cancelOrder: 'Cancel order',
  orderLog: 'History',
  noOrders: 'No orders yet',
  notFound: 'Page not found',
  orderNotFound: 'Order not found',
  productNotFound: 'Product not found',
  back: 'Back',
  signInToCheckout: 'Sign in to check out',
  tracking: 'Shipping',
  paidAt: 'Paid',
  paidLive: 'Payment received',
  waitingPayment: 'Waiting for the payment result…',
  'status.pending_payment': 'Awaiting payment',
  'status.paid': 'Paid',
  'status.shipped': 'Shipped',
  'status.completed': 'Completed',
  'status.cancelled': 'Cancelled',
  'refund.partial': 'Partly refunded',
  'refund.full': 'Refunded',
  'reason.not_found': 'no such code',
  'reason.disabled': 'coupon withdrawn',
  'reason.not_started': 'not started yet',
  'reason.expired': 'expired',
  'reason.limit_reached': 'fully used',
  'reason.min_spend': 'minimum spend not reached',
  'reason.user_limit': 'already used by you',
  'error.INSUFFICIENT_STOCK': 'Not enough stock',
  'error.SKU_UNAVAILABLE': 'This item is not for sale right now',
  'error.SKU_NOT_FOUND': 'Item not found',
  'error.QUANTITY_LIMIT': 'More than you can buy',
  'error.CART_LINE_LIMIT': 'Your cart is full',
  'error.CART_EMPTY': 'Nothing selected',
  'error.PRICE_CHANGED': 'Prices changed',
  'error.COUPON_INVALID': 'This coupon cannot be used',
  'error.EMAIL_TAKEN': 'This email is already registered',
  'error.INVALID_CREDENTIALS': 'Wrong email or password',
  'error.ORDER_EXPIRED': 'This order expired and can no longer be paid',
  'error.ILLEGAL_TRANSITION': 'Not possible in the order’s current state',
  'error.ORDER_NOT_FOUND': 'Order not found',
  'error.RATE_LIMITED': 'Too many requests, try again shortly',
  'error.BUSY': 'Busy, try again shortly',
  'error.UNAUTHENTICATED': 'Please sign in again',
  'error.network': 'Network error, try again',
  'error.field': 'Please check: {fields}',
  'error.generic': 'Something went wrong, try again',
};

const DICTS: Record<Lang, Record<MessageKey, string>> = { zh, en };
const STORAGE = 'zjmall.lang';

function initialLang(): Lang {
  const saved = localStorage.getItem(STORAGE);
  if (saved === 'zh' || saved === 'en') return saved;
  const first = (navigator.languages?.[0] ?? navigator.language ?? '').toLowerCase();
  return first.startsWith('en') ? 'en' : 'zh';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** A message's `{name}` placeholders filled in (an unknown one is left as it is). */
export function interpolate(template: string, vars?: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars?.[k] ?? `{${k}}`));
}

interface I18n {
  lang: Lang;
  locale: string;
  setLang(l: Lang): void;
  t: Translate;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const dict = DICTS[lang];
    return {
      lang,
      locale: lang === 'zh' ? 'zh-CN' : 'en-US',
      setLang(l) {
        localStorage.setItem(STORAGE, l);
        setLangState(l);
      },
      t: (key, vars) => interpolate(dict[key], vars),
    };
  }, [lang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

/** Does the dictionary have this key (for codes from the server)? */
export function hasMessage(key: string): key is MessageKey {
  return key in zh;
}
