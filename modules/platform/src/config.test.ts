import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('config', () => {
  it('has the defaults of docs/api.md', () => {
    const c = loadConfig({});
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.PORT).toBe(3000);
    expect(c.CART_HOLD_TTL_SECONDS).toBe(1800);
    expect(c.ORDER_PAYMENT_TTL_SECONDS).toBe(900);
    expect(c.RUN_JOBS).toBe(true);
    expect(c.STORE_CURRENCY).toBe('CNY');
    expect(c.NATS_SUBJECT_PREFIX).toBe('zjmall');
    expect(c.NATS_STREAM).toBe('ZJMALL');
    expect(c.PUBLIC_BASE_URL).toBe('http://127.0.0.1:3000');
    expect(c.SANDBOX_PAYMENTS).toBe(true);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.RATE_LIMIT_PER_MINUTE).toBe(1200);
  });

  it('seeds the demo shop by default only on the embedded database; SEED_DEMO decides when set', () => {
    expect(loadConfig({}).SEED_DEMO).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/shop' }).SEED_DEMO).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/shop', SEED_DEMO: 'true' }).SEED_DEMO).toBe(true);
    expect(loadConfig({ SEED_DEMO: 'false' }).SEED_DEMO).toBe(false);
    expect(() => loadConfig({ SEED_DEMO: 'yes please' })).toThrow(/SEED_DEMO/);
  });

  it('logs one line per request by default; LOG_REQUESTS=false turns it off', () => {
    expect(loadConfig({}).LOG_REQUESTS).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).LOG_REQUESTS).toBe(true);
    expect(loadConfig({ LOG_REQUESTS: 'false' }).LOG_REQUESTS).toBe(false);
    expect(() => loadConfig({ LOG_REQUESTS: 'sometimes' })).toThrow(/LOG_REQUESTS/);
  });

  it('turns the sandbox off in production unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).SANDBOX_PAYMENTS).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SANDBOX_PAYMENTS: 'true' }).SANDBOX_PAYMENTS).toBe(true);
  });

  it('names every wrong variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', RUN_JOBS: 'maybe', STORE_TIMEZONE: 'Mars/Base' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const v of ['PORT', 'DATABASE_URL', 'RUN_JOBS', 'STORE_TIMEZONE']) expect(msg).toContain(v);
  });

  it('refuses a weak password hash cost in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PASSWORD_HASH_COST: '10' })).toThrow(/PASSWORD_HASH_COST/);
  });

  it('takes REDLOCK_URLS as an odd list of Redis URLs beside REDIS_URL', () => {
    const r = 'redis://127.0.0.1:6379';
    const three = 'redis://a:1, redis://b:2,redis://c:3';
    expect(loadConfig({ REDIS_URL: r, REDLOCK_URLS: three }).REDLOCK_URLS).toEqual([
      'redis://a:1',
      'redis://b:2',
      'redis://c:3',
    ]);
    expect(loadConfig({ REDIS_URL: r }).REDLOCK_URLS).toEqual([]);
    expect(() => loadConfig({ REDIS_URL: r, REDLOCK_URLS: 'redis://a:1,redis://b:2' })).toThrow(/REDLOCK_URLS.*odd/);
    expect(() => loadConfig({ REDIS_URL: r, REDLOCK_URLS: 'http://a:1' })).toThrow(/REDLOCK_URLS/);
    expect(() => loadConfig({ REDLOCK_URLS: three })).toThrow(/REDLOCK_URLS.*requires REDIS_URL/);
  });
});
