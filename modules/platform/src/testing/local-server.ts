import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A server binary for a test's private instance: `envVar` when set, else the first of Debian's and
 * the usual install paths that exists, else the bare name (PATH).
 */
export function serverBinary(name: string, envVar: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin']) {
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return name;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS's pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
