// Data the scripts set up before the load (in k6's setup(), once per run): an admin session,
// products with stock, and signed-in buyers with an address. Every call must succeed; a failure
// throws, and k6 stops the run (a load figure over a half-built world is not a result).
import { batch, must, mutation, uid } from './trpc.js';

/** The admin the BFF ensures at startup from its own ADMIN_EMAIL / ADMIN_PASSWORD. */
export function adminToken() {
  const email = __ENV.ADMIN_EMAIL;
  const password = __ENV.ADMIN_PASSWORD;
  if (!email || !password) {
    throw new Error(
      'set ADMIN_EMAIL and ADMIN_PASSWORD (-e ADMIN_EMAIL=… -e ADMIN_PASSWORD=…), the same values the BFF was started with',
    );
  }
  return must(mutation('auth.login', { email, password }), 'admin login').token;
}

/**
 * `count` published products of one SKU each, under a new category, each with `stock` units.
 * Returns `{categoryId, products: [{productId, skuId, price, name, createdAt}]}` (createdAt: the server's clock).
 */
export function createProducts(token, count, { stock, price = 1990, label = 'k6' }) {
  const run = uid();
  const category = must(
    mutation('catalog.admin.createCategory', { name: `${label} ${run}` }, { token }),
    'createCategory',
  );
  const names = ['无线蓝牙耳机', 'Cotton T-Shirt', '不锈钢保温杯', 'Running Shoes', '机械键盘', 'Desk Lamp'];
  const products = [];
  for (let i = 0; i < count; i++) {
    const name = `${names[i % names.length]} ${label}-${run}-${i}`;
    const p = must(
      mutation(
        'catalog.admin.createProduct',
        {
          name,
          categoryId: category.id,
          description: `Created by the k6 ${label} script`,
          attributes: { origin: 'k6' },
          skus: [
            {
              code: `K6-${label}-${run}-${i}`.slice(0, 64),
              spec: { size: 'M' },
              price: price + i,
              initialStock: stock,
            },
          ],
        },
        { token },
      ),
      'createProduct',
    );
    must(mutation('catalog.admin.publish', { id: p.id }, { token }), 'publish');
    products.push({ productId: p.id, skuId: p.skus[0].id, price: p.skus[0].price, name, createdAt: p.createdAt });
  }
  return { categoryId: category.id, products };
}

/**
 * `count` new customers, each with one address, registered `width` at a time (http.batch) so a
 * few hundred take seconds, not minutes. Returns `[{token, addressId}]`.
 */
export function registerBuyers(count, width = 20) {
  const buyers = [];
  const run = uid();
  for (let start = 0; start < count; start += width) {
    const n = Math.min(width, count - start);
    const regs = batch(
      Array.from({ length: n }, (_, k) => ({
        kind: 'mutation',
        path: 'auth.register',
        input: {
          email: `k6.${run}.${start + k}@example.com`,
          password: 'k6 buyer password',
          name: `k6 buyer ${start + k}`,
        },
      })),
    ).map((r) => must(r, 'auth.register'));
    const addrs = batch(
      regs.map((reg, k) => ({
        kind: 'mutation',
        path: 'address.create',
        input: {
          receiver: `买家${start + k}`,
          phone: '13800138000',
          province: '上海市',
          city: '上海市',
          district: '浦东新区',
          detail: `世纪大道 ${start + k} 号`,
          isDefault: true,
        },
        opts: { token: reg.token },
      })),
    ).map((r) => must(r, 'address.create'));
    regs.forEach((reg, k) => buyers.push({ token: reg.token, addressId: addrs[k].id }));
  }
  return buyers;
}
