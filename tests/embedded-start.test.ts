import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnBff } from './support/bff';

/**
 * `npm start` with no environment at all: embedded PostgreSQL under DATA_DIR, generated secrets,
 * migrations, in-process locks/cache/bus — and the data survives a restart.
 */
describe('npm start with embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zjmall-embedded-'));
  chmodSync(dataDir, 0o755); // as root, the embedded server runs as the postgres user
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const register = (url: string, body: unknown) =>
    fetch(`${url}/trpc/auth.register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('serves /health and auth.register, stops cleanly, and keeps its data', async () => {
    const bff = await spawnBff({ DATA_DIR: dataDir });
    try {
      const out = bff.output();
      expect(out).toMatch(/database: embedded PostgreSQL/);
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

    const again = await spawnBff({ DATA_DIR: dataDir });
    try {
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
