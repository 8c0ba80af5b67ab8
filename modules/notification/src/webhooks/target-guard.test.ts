import { describe, expect, it } from 'vitest';
import { isPrivateAddress, resolveTarget, TargetRefused } from './target-guard';
import { retryDelayMs } from './deliverer';
import { webhookWants } from './fanout.subscriber';

describe('webhook target guard', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://10.1.2.3/',
    'http://172.20.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::127.0.0.1]/',
    'ftp://example.com/',
    'http://user:pw@example.com/',
    'not a url',
  ])('refuses %s', async (url) => {
    await expect(resolveTarget(url, false)).rejects.toBeInstanceOf(TargetRefused);
  });

  it('accepts a public address, and a private one when private targets are allowed', async () => {
    await expect(resolveTarget('https://93.184.215.14/hook', false)).resolves.toMatchObject({
      address: '93.184.215.14',
      family: 4,
    });
    await expect(resolveTarget('http://127.0.0.1:9/hook', true)).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(resolveTarget('http://localhost:9/hook', true)).resolves.toMatchObject({ url: expect.any(URL) });
  });

  it('classifies addresses', () => {
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
    expect(isPrivateAddress('2001:4860:4860::8888')).toBe(false);
    expect(isPrivateAddress('127.5.5.5')).toBe(true);
    expect(isPrivateAddress('::ffff:10.0.0.1')).toBe(true);
  });
});

describe('webhook matching and backoff', () => {
  it('matches exact types, prefix patterns and *', () => {
    expect(webhookWants(['order.paid'], 'order.paid')).toBe(true);
    expect(webhookWants(['order.paid'], 'order.shipped')).toBe(false);
    expect(webhookWants(['order.*'], 'order.shipped')).toBe(true);
    expect(webhookWants(['order.*'], 'orders.x')).toBe(false);
    expect(webhookWants(['*'], 'payment.failed')).toBe(true);
  });

  it('backs off exponentially with jitter in the upper half, capped at an hour', () => {
    expect(retryDelayMs(1, () => 0)).toBe(500);
    expect(retryDelayMs(1, () => 1)).toBe(1_000);
    expect(retryDelayMs(4, () => 0)).toBe(4_000);
    expect(retryDelayMs(40, () => 1)).toBe(3_600_000);
  });
});
