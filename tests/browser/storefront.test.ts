import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient, type ShopClient } from '@zjmall/client';
import { adminClient, type TestBff } from '../support/bff';
import { eventually, firstLoadBytes, launchChromium, startShop, watch, type PageWatch } from './harness';

/**
 * The shopper's journey through the storefront in real Chromium, against a real BFF on real
 * PostgreSQL, Redis and NATS: every click is what a shopper does, every check is what they see.
 */
describe('storefront in Chromium', () => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let bff: TestBff;
  let admin: ShopClient;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const watches: PageWatch[] = [];
  const ids = { earbuds: '', earbudsBlack: '', lamp: '', lampSku: '', mug: '', giftBox: '' };
  let firstOrderId = '';
  let userToken = '';

  async function newPage(ctx: BrowserContext): Promise<{ page: Page; w: PageWatch }> {
    const page = await ctx.newPage();
    const w = watch(page);
    watches.push(w);
    return { page, w };
  }
  async function newContext(): Promise<BrowserContext> {
    // English, as headless Chromium asks by default; a phone-sized window is tried separately.
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    contexts.push(ctx);
    return ctx;
  }

  beforeAll(async () => {
    shop = await startShop('browser');
    bff = shop.bff;
    const size = firstLoadBytes(shop.webDir);
    console.log(
      `storefront first-load JavaScript: ${(size.js / 1024).toFixed(1)} KB gzipped (CSS ${(size.css / 1024).toFixed(1)} KB; ${size.files.join(', ')})`,
    );
    expect(size.js).toBeLessThanOrEqual(250 * 1024);
    admin = await adminClient(bff);
    const cat = await admin.catalog.admin.createCategory.mutate({ name: '耳机' });
    const brand = await admin.catalog.admin.createBrand.mutate({ name: '声悦' });
    const earbuds = await admin.catalog.admin.createProduct.mutate({
      name: '无线蓝牙耳机 Pro',
      categoryId: cat.id,
      brandId: brand.id,
      description: '主动降噪，续航 30 小时。',
      images: ['/media/demo/product-1-1.svg', '/media/demo/product-1-2.svg'],
      attributes: { 续航: '30 小时' },
      skus: [
        { code: 'BT-BLACK', spec: { 颜色: '黑' }, price: 19_900, initialStock: 50 },
        { code: 'BT-WHITE', spec: { 颜色: '白' }, price: 19_900, initialStock: 0 },
      ],
    });
    const lamp = await admin.catalog.admin.createProduct.mutate({
      name: 'LED 台灯',
      categoryId: cat.id,
      images: ['/media/demo/product-2-1.svg'],
      skus: [{ code: 'LAMP-1', spec: {}, price: 5_000, initialStock: 20 }],
    });
    const mug = await admin.catalog.admin.createProduct.mutate({
      name: '售罄的马克杯',
      categoryId: cat.id,
      skus: [{ code: 'MUG-1', spec: {}, price: 3_000, initialStock: 0 }],
    });
    const giftBox = await admin.catalog.admin.createProduct.mutate({
      name: '限购礼盒',
      categoryId: cat.id,
      skus: [{ code: 'GIFT-1', spec: {}, price: 8_800, initialStock: 30, purchaseLimit: { limit: 2 } }],
    });
    for (const p of [earbuds, lamp, mug, giftBox]) await admin.catalog.admin.publish.mutate({ id: p.id });
    Object.assign(ids, {
      earbuds: earbuds.id,
      earbudsBlack: earbuds.skus.find((s) => s.code === 'BT-BLACK')!.id,
      lamp: lamp.id,
      lampSku: lamp.skus[0].id,
      mug: mug.id,
      giftBox: giftBox.id,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await shop?.close();
  });

  it('search → product → add → live cart in a second tab → register (merge shown) → address → checkout → sandbox pay → paid, live', async () => {
    const ctx = await newContext();
    const { page: p1, w: w1 } = await newPage(ctx);
    await p1.goto(`${bff.url}/`);
    expect(await p1.evaluate(() => document.documentElement.lang)).toBe('en');

    await p1.getByRole('searchbox', { name: 'Search products' }).fill('蓝牙');
    await p1.getByRole('button', { name: 'Search', exact: true }).click();
    await p1.getByRole('link', { name: '无线蓝牙耳机 Pro' }).click();
    await p1.getByRole('heading', { name: '无线蓝牙耳机 Pro' }).waitFor();

    // Opens on the first SKU in stock; the sold-out one cannot be chosen.
    expect(await p1.getByRole('button', { name: '黑' }).getAttribute('aria-pressed')).toBe('true');
    expect(await p1.getByRole('button', { name: '白' }).isDisabled()).toBe(true);
    await p1.getByRole('img', { name: '无线蓝牙耳机 Pro' }).waitFor();
    expect(
      await p1.getByRole('img', { name: '无线蓝牙耳机 Pro' }).evaluate((img: HTMLImageElement) => img.naturalWidth > 0),
    ).toBe(true);
    await p1.getByRole('button', { name: 'Add to cart' }).click();
    await p1.getByRole('status').filter({ hasText: 'Added to cart' }).waitFor();

    // The same guest in a second tab: the cart changes there by itself.
    const { page: p2, w: w2 } = await newPage(ctx);
    await p2.goto(`${bff.url}/cart`);
    const qty = p2.getByRole('spinbutton', { name: 'Quantity: 无线蓝牙耳机 Pro' });
    await eventually(async () => expect(await qty.inputValue()).toBe('1'));
    await p1.getByRole('button', { name: 'Add to cart' }).click();
    await eventually(async () => expect(await qty.inputValue()).toBe('2'));

    // Register: the guest cart is merged, and the page says so.
    await p1.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Register' }).click();
    await p1.getByLabel('Name').fill('Ada');
    await p1.getByLabel('Email').fill('ada@example.com');
    await p1.getByLabel('Password').fill('correct horse battery');
    await p1.getByRole('button', { name: 'Register' }).click();
    await p1.getByTestId('merge-report').filter({ hasText: 'Merged 1 line' }).waitFor();
    userToken = (await p1.evaluate(() => localStorage.getItem('zjmall.userToken')))!;
    expect(userToken).toBeTruthy();

    await p1.getByRole('link', { name: /^Cart/ }).click();
    await eventually(async () =>
      expect(await p1.getByRole('spinbutton', { name: 'Quantity: 无线蓝牙耳机 Pro' }).inputValue()).toBe('2'),
    );
    await p1.getByRole('button', { name: 'Checkout' }).click();
    await p1.getByRole('heading', { name: 'Checkout' }).waitFor();
    await p1.getByRole('button', { name: 'Add address' }).click();
    for (const [label, value] of [
      ['Receiver', '张三'],
      ['Phone', '13800000000'],
      ['Province', '浙江省'],
      ['City', '杭州市'],
      ['District', '西湖区'],
      ['Street address', '文三路 1 号'],
    ]) {
      await p1.getByLabel(label, { exact: true }).fill(value);
    }
    await p1.getByRole('button', { name: 'Save' }).click();
    await p1.getByRole('radio', { name: /张三/ }).waitFor();
    expect(await p1.getByRole('radio', { name: /张三/ }).isChecked()).toBe(true);
    await p1.getByRole('button', { name: 'Place order' }).click();
    await p1.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    firstOrderId = p1.url().split('/').pop()!;
    await p1.locator('.order-status [data-status="pending_payment"]').waitFor();

    // The second tab watches the order page while the first pays.
    await p2.goto(`${bff.url}/orders/${firstOrderId}`);
    await p2.locator('.order-status [data-status="pending_payment"]').waitFor();
    const navigationsBefore = w2.navigations;

    await p1.getByRole('button', { name: /^Pay/ }).click();
    await p1.waitForURL(/\/sandbox\/pay\//);
    await p1.getByRole('button', { name: 'Approve' }).click();
    // The provider sends the browser back (303) after its callback was processed.
    await p1.waitForURL(`${bff.url}/orders/${firstOrderId}`);
    await p1.locator('.order-status [data-status="paid"]').waitFor();
    // …and the other tab turned paid without a reload, pushed by order.onStatus.
    await p2.locator('.order-status [data-status="paid"]').waitFor();
    expect(w2.navigations).toBe(navigationsBefore);

    const order = await createShopClient(bff.url, { token: userToken }).order.get.query({ id: firstOrderId });
    expect(order).toMatchObject({ status: 'paid', payableAmount: 39_800 });
    expect(w1.clientErrors).toEqual([]);
    expect(w2.clientErrors).toEqual([]);
  });

  it('shows a price rise at checkout instead of charging it, and orders at the new price only once it is accepted', async () => {
    const ctx = await newContext();
    await ctx.addInitScript((token) => localStorage.setItem('zjmall.userToken', token), userToken);
    const { page, w } = await newPage(ctx);
    // This tab does not hear the price change live (its cart stream is held), as a shopper whose
    // page was open before the change would not have seen it yet.
    await page.route('**/trpc/cart.onChange**', () => undefined);
    await page.goto(`${bff.url}/products/${ids.lamp}`);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('status').filter({ hasText: 'Added to cart' }).waitFor();
    await page.goto(`${bff.url}/checkout`);
    await page.getByRole('radio', { name: /张三/ }).waitFor();
    expect(await page.getByTestId('checkout-payable').innerText()).toMatch(/50\.00/);

    await admin.catalog.admin.setSkuPrice.mutate({ skuId: ids.lampSku, price: 6_000 });
    await page.getByRole('button', { name: 'Place order' }).click();
    const alert = page.getByTestId('price-changed-alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/60\.00/);
    // The line that rose, with the price agreed in the cart and the new one.
    const rises = page.getByTestId('price-rises');
    expect(await rises.innerText()).toMatch(/50\.00[\s\S]*60\.00/);
    expect(new URL(page.url()).pathname).toBe('/checkout');
    const user = createShopClient(bff.url, { token: userToken });
    expect((await user.order.list.query()).items.map((o) => o.id)).toEqual([firstOrderId]);

    // Placing the order again means accepting the new price (cart.acceptPrices), then ordering.
    await page.getByRole('button', { name: 'Accept new prices and place order' }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    const second = await user.order.get.query({ id: page.url().split('/').pop()! });
    expect(second.payableAmount).toBe(6_000);
    // The one refusal this journey expects (the call may share a batch with others).
    expect(w.clientErrors.length).toBeGreaterThan(0);
    for (const e of w.clientErrors) expect(e).toMatch(/^409 \/trpc\/.*order\.checkout/);
  });

  it('warns of a price rise in the cart with both prices, and takes the new price when the shopper accepts it', async () => {
    const ctx = await newContext();
    await ctx.addInitScript((token) => localStorage.setItem('zjmall.userToken', token), userToken);
    const { page, w } = await newPage(ctx);
    await page.goto(`${bff.url}/products/${ids.lamp}`);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('status').filter({ hasText: 'Added to cart' }).waitFor();
    await page.goto(`${bff.url}/cart`);
    await page.getByRole('heading', { name: 'Cart' }).waitFor();
    expect(await page.getByTestId('prices-moved').count()).toBe(0);

    // The open cart hears the change live (cart.onChange) and says what moved.
    await admin.catalog.admin.setSkuPrice.mutate({ skuId: ids.lampSku, price: 7_000 });
    const up = page.locator(`[data-sku="${ids.lampSku}"]`).getByTestId('price-up');
    await up.waitFor();
    expect(await up.innerText()).toMatch(/60\.00[\s\S]*70\.00/);
    await page.getByRole('button', { name: 'Accept new prices' }).click();
    await up.waitFor({ state: 'detached' });
    expect(await page.getByTestId('prices-moved').count()).toBe(0);
    const cart = await createShopClient(bff.url, { token: userToken }).cart.get.query();
    expect(cart.items.find((i) => i.skuId === ids.lampSku)).toMatchObject({ addedPrice: 7_000, unitPrice: 7_000 });
    expect(w.clientErrors).toEqual([]);
  });

  it('cannot add a sold-out SKU', async () => {
    const ctx = await newContext();
    const { page, w } = await newPage(ctx);
    await page.goto(`${bff.url}/products/${ids.mug}`);
    await page.getByRole('heading', { name: '售罄的马克杯' }).waitFor();
    const button = page.getByRole('button', { name: 'Out of stock' });
    expect(await button.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Add to cart' }).count()).toBe(0);
    expect(w.clientErrors).toEqual([]);
  });

  it('shows a purchase limit on the product page, and why an add past it is refused', async () => {
    const ctx = await newContext();
    const { page, w } = await newPage(ctx);
    await page.goto(`${bff.url}/products/${ids.giftBox}`);
    await page.getByRole('heading', { name: '限购礼盒' }).waitFor();
    await page.getByText('Limit 2 per customer').waitFor();
    await page.getByLabel('Quantity').fill('3');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Over the purchase limit: Limit 2 per customer (already bought 0, 0 in your cart)' })
      .waitFor();
    // The one refusal expected here (the call may share a batch with others).
    expect(w.clientErrors.length).toBeGreaterThan(0);
    for (const e of w.clientErrors) expect(e).toMatch(/^409 \/trpc\/.*cart\.addItem/);
  });

  it("shows another customer's order as not found", async () => {
    const ctx = await newContext();
    const { page, w } = await newPage(ctx);
    await page.goto(`${bff.url}/signin?mode=register`);
    await page.getByLabel('Name').fill('Bob');
    await page.getByLabel('Email').fill('bob@example.com');
    await page.getByLabel('Password').fill('another password');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('link', { name: 'My orders' }).waitFor();
    await page.goto(`${bff.url}/orders/${firstOrderId}`);
    await page.getByRole('heading', { name: 'Order not found' }).waitFor();
    for (const e of w.clientErrors) expect(e).toMatch(/^404 \/trpc\/.*order\.get/);
  });

  it('switches to Chinese, and fits a phone-sized screen', async () => {
    const ctx = await browser.newContext({
      locale: 'en-US',
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    contexts.push(ctx);
    const { page } = await newPage(ctx);
    await page.goto(`${bff.url}/products/${ids.earbuds}`);
    await page.getByRole('button', { name: 'Add to cart' }).waitFor();
    await page.getByRole('button', { name: 'Language: 中文' }).click();
    await page.getByRole('button', { name: '加入购物车' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('the bell: a payment made elsewhere raises the unread count live; the inbox shows "Payment received" linking to the order; marking read clears the count', async () => {
    const { token } = await createShopClient(bff.url).auth.register.mutate({
      email: `bell.${crypto.randomUUID().slice(0, 8)}@example.com`,
      password: 'bell password 1',
      name: 'Bell',
    });
    const api = createShopClient(bff.url, { token });
    const address = await api.address.create.mutate({
      receiver: '王五',
      phone: '13700000000',
      province: '浙江省',
      city: '杭州市',
      district: '滨江区',
      detail: '江南大道 3 号',
    });
    await api.cart.addItem.mutate({ skuId: ids.lampSku, quantity: 1 });
    const order = await api.order.checkout.mutate({ addressId: address.id, idempotencyKey: crypto.randomUUID() });

    const ctx = await newContext();
    await ctx.addInitScript((t) => localStorage.setItem('zjmall.userToken', t), token);
    const { page, w } = await newPage(ctx);
    await page.goto(`${bff.url}/`);
    const count = page.getByTestId('notification-count');
    // The order's "awaiting payment" entry, made by the consumer a moment after the checkout.
    await eventually(async () => expect(await count.innerText()).toBe('1'), 60_000);
    // A second tab of the same customer: one of the two holds the stream, the other hears it from it.
    const { page: other } = await newPage(ctx);
    await other.goto(`${bff.url}/cart`);
    const otherCount = other.getByTestId('notification-count');
    await eventually(async () => expect(await otherCount.innerText()).toBe('1'), 60_000);
    const navigationsBefore = w.navigations;

    // Paid elsewhere (the API and the sandbox provider): the open pages hear it without a reload.
    const payment = await api.payment.create.mutate({
      orderId: order.id,
      channel: 'sandbox_alipay',
      idempotencyKey: crypto.randomUUID(),
    });
    expect((await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' })).status).toBe(200);
    await eventually(async () => expect(await count.innerText()).toBe('2'), 60_000);
    await eventually(async () => expect(await otherCount.innerText()).toBe('2'), 60_000);
    expect(w.navigations).toBe(navigationsBefore);

    await page.getByRole('link', { name: 'Notifications, 2 unread' }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    const paid = page.locator('li.note[data-type="order.paid"]');
    await paid.getByText('Payment received').waitFor();
    expect(await paid.innerText()).toContain(order.orderNo);
    expect(await paid.getAttribute('data-unread')).toBe('true');
    const created = page.locator('li.note[data-type="order.created"]');
    expect(await created.getByText('Order awaiting payment').count()).toBe(1);

    // Mark one read: the count drops, the entry loses its unread mark.
    await paid.getByRole('button', { name: 'Mark read: Payment received' }).click();
    await eventually(async () => expect(await paid.getAttribute('data-unread')).toBe('false'));
    await eventually(async () => expect(await count.innerText()).toBe('1'));

    // The texts come from the server in the UI's language.
    await page.getByRole('button', { name: 'Language: 中文' }).click();
    await paid.getByText('支付成功').waitFor();
    await page.getByRole('button', { name: '全部标为已读' }).click();
    await eventually(async () => expect(await count.isHidden()).toBe(true));
    // …and in the other tab, told by this one.
    await eventually(async () => expect(await otherCount.isHidden()).toBe(true));
    expect(await page.locator('li.note[data-unread="true"]').count()).toBe(0);
    expect(await api.notification.unreadCount.query()).toEqual({ count: 0 });

    await paid.getByRole('link', { name: '查看订单' }).click();
    await page.waitForURL(`${bff.url}/orders/${order.id}`);
    await page.locator('.order-status [data-status="paid"]').waitFor();
    expect(w.clientErrors).toEqual([]);
  });

  it('eight tabs of one shopper share one cart stream and one notification stream: the eighth tab still works, every tab follows the cart', async () => {
    const ctx = await newContext();
    await ctx.addInitScript((t) => localStorage.setItem('zjmall.userToken', t), userToken);
    const user = createShopClient(bff.url, { token: userToken });
    const before = (await user.cart.get.query()).totalQuantity;
    // A browser keeps 6 connections to the shop: with a stream per tab, these tabs would take them all.
    const tabs: Page[] = [];
    for (let i = 0; i < 7; i++) {
      const { page } = await newPage(ctx);
      await page.goto(`${bff.url}/cart`);
      await page.getByRole('heading', { name: 'Cart' }).waitFor();
      tabs.push(page);
    }
    const { page: last, w } = await newPage(ctx);
    await last.goto(`${bff.url}/products/${ids.lamp}`);
    await last.getByRole('button', { name: 'Add to cart' }).click();
    await last.getByRole('status').filter({ hasText: 'Added to cart' }).waitFor();
    expect((await user.cart.get.query()).totalQuantity).toBe(before + 1);
    for (const tab of [...tabs, last])
      await eventually(async () =>
        expect((await tab.getByTestId('cart-count').textContent())?.trim()).toBe(`(${before + 1})`),
      );
    expect(w.clientErrors).toEqual([]);
    for (const tab of [...tabs, last]) await tab.close();
  });

  it('saw no page error, console error, 5xx or failed request on any page', () => {
    expect(watches.flatMap((w) => w.problems)).toEqual([]);
  });
});
