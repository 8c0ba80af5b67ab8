import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

const capture = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  return { stream, text: () => text };
};
const settle = () => new Promise((r) => setImmediate(r));

describe('createLogger', () => {
  it('writes JSON lines by default', async () => {
    const out = capture();
    createLogger('info', 'bff', { destination: out.stream }).info({ status: 200 }, 'GET /x 200');
    await settle();
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, name: 'bff', status: 200, msg: 'GET /x 200' });
  });

  it('writes lines a person reads with pretty (pino-pretty)', async () => {
    const out = capture();
    createLogger('info', 'bff', { pretty: true, destination: out.stream }).info({ status: 200 }, 'GET /x 200');
    await settle();
    const line = out.text();
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(bff\): GET \/x 200\n/);
    expect(line).toContain('status: 200');
    expect(line).not.toContain('{"level"');
  });
});
