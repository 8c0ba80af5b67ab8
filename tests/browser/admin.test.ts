import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient, type ShopClient } from '@zjmall/client';
import { newId } from '@zjmall/platform';
import type { TestBff } from '../support/bff';
import { eventually, launchChromium, startShop, watch, type PageWatch } from './harness';

/**
 * The back office in real Chromium against a real BFF: an admin runs the shop through /admin only
 * (every check of the outcome reads the API, as any other client would).
 */
describe('admin console in Chromium', () => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let bff: TestBff;
  let api: ShopClient;
  let browser: Browser;
  let adminPage: Page;
  const contexts: BrowserContext[] = [];
  const watches: PageWatch[] = [];
  const admin = { email: 'boss@example.com', password: 'admin password 1' };
  const product = { id: '', small: '', large: '' };
  let otherSku = '';

  async function page(ctx: BrowserContext): Promise<Page> {
    const p = await ctx.newPage();
    watches.push(watch(p));
    return p;
  }
  async function context(token?: string): Promise<BrowserContext> {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } });
    if (token)
      await ctx.addInitScript({ content: `localStorage.setItem('zjmall.userToken', ${JSON.stringify(token)})` });
    contexts.push(ctx);
    return ctx;
  }
  const onHand = async (skuId: string) => (await api.inventory.admin.get.query({ skuId })).onHand;

  beforeAll(async () => {
    shop = await startShop('admin');
    bff = shop.bff;
    await bff.services.identity.ensureAdmin(admin.email, admin.password);
    const { token } = await createShopClient(bff.url).auth.login.mutate(admin);
    api = createShopClient(bff.url, { token });
    // A SKU of another product, for the batch adjustment.
    const cat = await api.catalog.admin.createCategory.mutate({ name: '杂货' });
    const other = await api.catalog.admin.createProduct.mutate({
      name: '帆布袋',
      categoryId: cat.id,
      skus: [{ code: 'BAG-1', spec: {}, price: 1_000, initialStock: 10 }],
    });
    otherSku = other.skus[0].id;
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await shop?.close();
  });

  it('a visitor gets the sign-in form; a customer sees "Admins only" and nothing admin', async () => {
    const visitor = await page(await context());
    await visitor.goto(`${bff.url}/admin`);
    await visitor.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await visitor.getByRole('link', { name: 'Dashboard' }).count()).toBe(0);

    const { token } = await createShopClient(bff.url).auth.register.mutate({
      email: `c.${newId().slice(-8)}@example.com`,
      password: 'customer pass 1',
      name: 'C',
    });
    const customer = await page(await context(token));
    await customer.goto(`${bff.url}/admin/orders`);
    await customer.getByRole('heading', { name: 'Admins only' }).waitFor();
    for (const name of ['Dashboard', 'Orders', 'Products', 'Inventory', 'Coupons', 'Price jobs']) {
      expect(await customer.getByRole('link', { name }).count(), name).toBe(0);
    }
  });

  it('signs in, creates a category and a product with two SKUs and stock, publishes it; the storefront shows it', async () => {
    adminPage = await page(await context());
    const p = adminPage;
    await p.goto(`${bff.url}/admin`);
    await p.getByLabel('Email').fill(admin.email);
    await p.getByLabel('Password').fill(admin.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    const nav = p.getByRole('navigation', { name: 'Admin console' });
    await nav.getByRole('link', { name: 'Dashboard' }).waitFor();

    await nav.getByRole('link', { name: 'Products' }).click();
    await p.getByText('Categories', { exact: true }).click();
    await p.getByLabel('New category').fill('咖啡');
    await p.getByRole('button', { name: 'Create' }).first().click();
    await p.getByLabel('Name: 咖啡', { exact: true }).waitFor();

    await p.getByRole('link', { name: 'New product' }).click();
    await p.getByLabel('Name', { exact: true }).fill('Arabica 咖啡豆');
    await p.getByRole('combobox', { name: /^Category/ }).selectOption({ label: '咖啡' });
    await p.getByLabel('Description').fill('中度烘焙');
    const row = async (i: number, code: string, spec: string, price: string, stock: string) => {
      await p.getByLabel(`Code ${i}`, { exact: true }).fill(code);
      await p.getByLabel(`Spec (name=value; …) ${i}`, { exact: true }).fill(spec);
      await p.getByLabel(`Price ${i}`, { exact: true }).fill(price);
      await p.getByLabel(`Initial stock ${i}`, { exact: true }).fill(stock);
    };
    await row(1, 'COF-250', '规格=250g', '68.00', '20');
    await p.getByRole('button', { name: 'Add SKU' }).click();
    // A refused field is named beside it (the server's zodError path), and nothing is created.
    await row(2, 'COF-250', '规格=500g', '120', '5');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.locator('[data-field-error="skus.1.code"]').waitFor();
    expect((await api.catalog.admin.products.query({ q: 'Arabica' })).items).toEqual([]);
    await p.getByLabel('Code 2', { exact: true }).fill('COF-500');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.waitForURL(/\/admin\/products\/[0-9a-f-]{36}$/);
    product.id = p.url().split('/').pop()!;
    await p.getByRole('button', { name: 'Publish' }).click();
    await p.locator('h1 [data-product-status="published"]').waitFor();

    const saved = await api.catalog.admin.product.query({ id: product.id });
    expect(saved.skus.map((s) => [s.code, s.spec, s.price])).toEqual([
      ['COF-250', { 规格: '250g' }, 6_800],
      ['COF-500', { 规格: '500g' }, 12_000],
    ]);
    product.small = saved.skus[0].id;
    product.large = saved.skus[1].id;
    expect([await onHand(product.small), await onHand(product.large)]).toEqual([20, 5]);

    const shopper = await page(await context());
    await shopper.goto(`${bff.url}/?q=${encodeURIComponent('咖啡豆')}`);
    await shopper.getByRole('link', { name: 'Arabica 咖啡豆' }).click();
    await shopper.getByRole('button', { name: '500g' }).waitFor();
    expect(await shopper.getByRole('button', { name: 'Add to cart' }).isEnabled()).toBe(true);

    // The console's product list shows it, drafts and all.
    await nav.getByRole('link', { name: 'Products' }).click();
    await p.getByRole('link', { name: 'Arabica 咖啡豆' }).waitFor();
  });

  it('sets a purchase limit in the product editor; the storefront shows it', async () => {
    const p = adminPage;
    await p.goto(`${bff.url}/admin/products/${product.id}`);
    await p.getByLabel('Limit per customer 1', { exact: true }).fill('3');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const saved = await api.catalog.admin.product.query({ id: product.id });
    expect(saved.skus.map((s) => s.purchaseLimit)).toEqual([{ limit: 3, startsAt: null, endsAt: null }, null]);

    const shopper = await page(await context());
    await shopper.goto(`${bff.url}/products/${product.id}`);
    await shopper.getByRole('button', { name: '250g' }).click();
    await shopper.getByText('Limit 3 per customer').waitFor();
  });

  it('a double-clicked stock adjustment applies once; a batch that would take one SKU below zero changes nothing', async () => {
    const p = adminPage;
    await p.goto(`${bff.url}/admin/inventory?product=${product.id}`);
    const form = p.getByRole('form', { name: 'Adjust stock: COF-250 250g' });
    await form.getByLabel('Mode').selectOption('ADD');
    await form.getByLabel('Quantity').fill('3');
    await form.getByLabel('Reason').fill('restock');
    await form.getByRole('button', { name: 'Adjust stock' }).dblclick();
    await p.locator(`tr[data-sku="${product.small}"] td[data-field="onHand"]`).filter({ hasText: /^23$/ }).waitFor();
    const ledger = await api.inventory.admin.transactions.query({ skuId: product.small });
    expect(ledger.items.filter((e) => e.type === 'ADJUST' && e.reason === 'restock')).toHaveLength(1);
    expect(await onHand(product.small)).toBe(23);

    const before = [await onHand(product.small), await onHand(product.large), await onHand(otherSku)];
    const batch = p.getByRole('form', { name: 'Batch adjust' });
    await batch
      .getByRole('textbox')
      .first()
      .fill(`${product.small} ADD 5\n${product.large} SUBTRACT 100\n${otherSku} SET 7`);
    await batch.getByLabel('Reason').fill('stocktake');
    await batch.getByRole('button', { name: 'Apply' }).click();
    await batch.getByRole('alert').filter({ hasText: 'Not enough stock' }).waitFor();
    expect([await onHand(product.small), await onHand(product.large), await onHand(otherSku)]).toEqual(before);
  });

  it("ships a customer's paid order (the customer sees it live), then refunds one unit: stock back, the order shows the refund", async () => {
    const email = `buyer.${newId().slice(-8)}@example.com`;
    const { token } = await createShopClient(bff.url).auth.register.mutate({
      email,
      password: 'buyer password',
      name: 'Buyer',
    });
    const buyer = createShopClient(bff.url, { token });
    const address = await buyer.address.create.mutate({
      receiver: '李四',
      phone: '13900000000',
      province: '上海',
      city: '上海',
      district: '徐汇',
      detail: '漕溪北路 2 号',
    });
    await buyer.cart.addItem.mutate({ skuId: product.large, quantity: 2 });
    const order = await buyer.order.checkout.mutate({ addressId: address.id, idempotencyKey: newId() });
    const payment = await buyer.payment.create.mutate({
      orderId: order.id,
      channel: 'sandbox_alipay',
      idempotencyKey: newId(),
    });
    expect((await fetch(`${bff.url}/sandbox/pay/${payment.id}/approve`, { method: 'POST' })).status).toBe(200);
    expect((await buyer.order.get.query({ id: order.id })).status).toBe('paid');

    const customer = await page(await context(token));
    await customer.goto(`${bff.url}/orders/${order.id}`);
    await customer.locator('.order-status [data-status="paid"]').waitFor();

    const p = adminPage;
    await p.goto(`${bff.url}/admin/orders`);
    await p.getByLabel('Order no.').fill(order.orderNo);
    await p.getByRole('button', { name: 'Search' }).click();
    await p.getByRole('link', { name: order.orderNo }).click();
    await p.getByLabel('Carrier').fill('SF');
    await p.getByLabel('Tracking number').fill('SF1234567');
    await p.getByRole('button', { name: 'Ship' }).click();
    await p.locator('h1 [data-status="shipped"]').waitFor();
    // The customer's open page turns shipped by itself.
    await customer.locator('.order-status [data-status="shipped"]').waitFor();

    const stockBefore = await onHand(product.large);
    const refund = p.getByRole('form', { name: 'Refund' });
    await refund.getByLabel(/Arabica 咖啡豆 500g/).fill('1');
    await eventually(async () => expect(await refund.getByLabel('Refund amount').inputValue()).toBe('120.00'));
    await refund.getByLabel('Reason').fill('damaged');
    await refund.getByRole('button', { name: 'Refund' }).click();
    await p
      .getByText(/· damaged/)
      .first()
      .waitFor();
    expect(await onHand(product.large)).toBe(stockBefore + 1);
    const after = await buyer.order.get.query({ id: order.id });
    expect([after.status, after.refundStatus, after.refundedAmount]).toEqual(['shipped', 'partial', 12_000]);
    await customer.locator('[data-refund="partial"]').waitFor();
  });

  it("runs a price job over the new product's SKUs with live progress, ending completed with the changed count", async () => {
    const p = adminPage;
    await p.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Price jobs' }).click();
    await p.getByLabel('Adjustment').selectOption('percent');
    await p.getByLabel('Value', { exact: true }).fill('-10');
    await p.getByLabel(/Scope: SKU ids/).fill(`${product.small}\n${product.large}`);
    await p.getByRole('button', { name: 'Start' }).click();
    await p.getByRole('progressbar', { name: 'Progress' }).waitFor();
    await p.locator('[data-job-status="completed"]').waitFor({ timeout: 60_000 });
    expect(await p.getByTestId('job-changed').innerText()).toBe('2');
    const prices = (await api.catalog.admin.product.query({ id: product.id })).skus.map((s) => s.price);
    expect(prices).toEqual([6_120, 10_800]);
  });

  it('a low-stock alert reaches the open console live: the bell counts it, the alerts page shows it and links to the stock; read, the count clears', async () => {
    const p = adminPage;
    await api.notification.markRead.mutate({ all: true });
    await p.goto(`${bff.url}/admin`);
    const nav = p.getByRole('navigation', { name: 'Admin console' });
    await nav.getByRole('link', { name: 'Dashboard' }).waitFor();
    const count = p.getByTestId('notification-count');
    await p.getByRole('link', { name: 'Alerts', exact: true }).waitFor();

    // Available 10 → 2 with a threshold of 3: the inventory.low_stock event, a staff alert.
    await api.inventory.admin.setThreshold.mutate({ skuId: otherSku, threshold: 3 });
    await api.inventory.admin.adjust.mutate({
      skuId: otherSku,
      mode: 'SUBTRACT',
      quantity: 8,
      reason: 'breakage',
      idempotencyKey: newId(),
    });
    await eventually(async () => expect(Number(await count.innerText())).toBeGreaterThanOrEqual(1), 60_000);

    await p.getByRole('link', { name: /^Alerts, \d+ unread$/ }).click();
    await p.getByRole('heading', { name: 'Alerts' }).waitFor();
    const alert = p.locator('li.note[data-type="inventory.low_stock"]').filter({ hasText: otherSku });
    await alert.getByText('Low stock').waitFor();
    expect(await alert.innerText()).toMatch(/2 available, below its threshold of 3/);
    expect(await alert.getByText('Staff alert').count()).toBe(1);
    expect(await alert.getAttribute('data-unread')).toBe('true');

    await p.getByRole('button', { name: 'Mark all read' }).click();
    await eventually(async () => expect(await count.isHidden()).toBe(true));
    await eventually(async () => expect(await alert.getAttribute('data-unread')).toBe('false'));
    expect(await api.notification.unreadCount.query()).toEqual({ count: 0 });

    await alert.getByRole('link', { name: 'View stock' }).click();
    await p.waitForURL(`${bff.url}/admin/inventory?sku=${otherSku}`);
    await p.locator(`tr[data-sku="${otherSku}"] td[data-field="onHand"]`).filter({ hasText: /^2$/ }).waitFor();
  });

  it('saw no page error, console error, 5xx or failed request on any page', () => {
    expect(watches.flatMap((w) => w.problems)).toEqual([]);
  });
});
