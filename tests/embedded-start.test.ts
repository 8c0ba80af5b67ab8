import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, spawnBff } from './support/bff';

/**
 * `npm start` with no environment at all: embedded PostgreSQL under DATA_DIR, generated secrets,
 * migrations, in-process locks/cache/bus, the demo shop seeded on the first run — the CLIs work
 * beside it on its database — and the data survives a restart.
 */
describe('npm start with embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zjmall-embedded-'));
  chmodSync(dataDir, 0o755); // as root, the embedded server runs as the postgres user
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** `npm run <script>`'s command (tsx), on the same DATA_DIR and nothing else. */
  const cli = (script: string, ...args: string[]) =>
    spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), [script, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 120_000,
    });

  const register = (url: string, body: unknown) =>
    fetch(`${url}/trpc/auth.register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('seeds the demo shop on the first run, serves /health and auth.register, lets the CLIs use its database, stops cleanly, and keeps its data', async () => {
    const bff = await spawnBff({ DATA_DIR: dataDir });
    const record = join(dataDir, 'embedded-pg.json');
    try {
      const out = bff.output();
      expect(out).toMatch(/database: embedded PostgreSQL/);
      // First run: the demo shop, and once, where it is and how to sign in.
      const usersFile = join(dataDir, 'seed-users.json');
      const users = JSON.parse(readFileSync(usersFile, 'utf8')) as Record<
        'admin' | 'customer',
        { email: string; password: string }
      >;
      expect(out.match(/The demo shop is ready: (\S+)/)?.[1]).toBe(`${bff.url}/`);
      expect(out).toContain(`admin     ${users.admin.email} / ${users.admin.password}`);
      expect(out).toContain(`customer  ${users.customer.email} / ${users.customer.password}`);
      expect(out).toContain(`kept in ${usersFile}`);
      const page = (await (
        await fetch(`${bff.url}/trpc/catalog.products?input=${encodeURIComponent('{"limit":5}')}`)
      ).json()) as {
        result: { data: { items: { image: string }[] } };
      };
      expect(page.result.data.items).toHaveLength(5);
      expect(page.result.data.items[0].image).toMatch(/^\/media\/demo\/product-\d+-1\.svg$/);
      expect((await fetch(`${bff.url}${page.result.data.items[0].image}`)).headers.get('content-type')).toMatch(
        /^image\/svg\+xml/,
      );

      // The running server's record: how the CLIs reach its database (no password in it).
      expect(statSync(record).mode & 0o777).toBe(0o600);
      const rec = JSON.parse(readFileSync(record, 'utf8')) as { pid: number; port: number };
      expect(rec.pid).toBe(bff.child.pid);
      expect(readFileSync(record, 'utf8')).not.toContain(
        JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).embeddedDbPassword,
      );
      const audit = cli('apps/worker/src/audit.ts');
      expect(audit.status, audit.stderr).toBe(0);
      expect((JSON.parse(audit.stdout) as { checkedSkus: number; mismatchCount: number }).checkedSkus).toBeGreaterThan(
        10_000,
      );
      const migrate = cli('apps/worker/src/migrate.ts', 'status');
      expect(migrate.status, migrate.stderr).toBe(0);
      expect(migrate.stdout).toContain('pending (0)');
      const seed = cli('apps/worker/src/seed.ts', '--products', '3');
      expect(seed.status, seed.stderr).toBe(0);
      expect(seed.stderr).toContain('products 0/3 new');
      // The CLIs left the server running.
      expect(existsSync(record)).toBe(true);
      expect(out).toMatch(/redis: in-process/);
      expect(out).toMatch(/nats: in-process bus/);
      expect(await (await fetch(`${bff.url}/health`)).json()).toEqual({ ok: true });
      const r = await register(bff.url, { email: 'first@example.com', password: 'password-1', name: '首位用户' });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { result: { data: { user: { email: string; name: string }; token: string } } };
      expect(body.result.data.user).toMatchObject({ email: 'first@example.com', name: '首位用户' });
      expect(body.result.data.token).toBeTruthy();
      const ready = await fetch(`${bff.url}/ready`);
      expect(ready.status).toBe(200);
    } finally {
      expect(await bff.stop()).toBe(0);
    }
    expect(existsSync(record)).toBe(false);

    const again = await spawnBff({ DATA_DIR: dataDir });
    try {
      expect(again.output()).not.toContain('The demo shop is ready');
      const login = await fetch(`${again.url}/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'FIRST@example.com', password: 'password-1' }),
      });
      expect(login.status).toBe(200);
      const dup = await register(again.url, { email: 'first@example.com', password: 'password-2', name: 'x' });
      expect(dup.status).toBe(409);
      expect(((await dup.json()) as { error: { data: { appCode: string } } }).error.data.appCode).toBe('EMAIL_TAKEN');
    } finally {
      expect(await again.stop()).toBe(0);
    }
  }, 180_000);

  it('refuses several processes with embedded dependencies, naming what is unset', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['apps/bff/bin/start.mjs'], {
      cwd: join(import.meta.dirname, '..'),
      env: { PATH: process.env.PATH, BFF_PROCESSES: '2', REDIS_URL: 'redis://127.0.0.1:6379', DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('DATABASE_URL, NATS_URL');
    expect(r.stderr).not.toContain('REDIS_URL are');
  }, 60_000);

  it('stops at a wrong setting with a message naming the variable', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['apps/bff/bin/start.mjs'], {
      cwd: join(import.meta.dirname, '..'),
      env: { PATH: process.env.PATH, PORT: 'eighty', DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/PORT="eighty"/);
  }, 60_000);
});
