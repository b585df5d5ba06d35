import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'vellum-keys-'));
const env = {
  ...process.env,
  VELLUM_DATA_DIR: dataDir,
  VELLUM_PG_PORT: '1',
  VELLUM_PG_WS_PORT: '1',
  DATABASE_URL: '',
};

const keysCreate = (...args: string[]) =>
  run(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/keys-create.ts', ...args], { cwd: ROOT, env });

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Each call starts the embedded Postgres and applies every migration in a fresh process; two of
// them in one test have outlasted the 60 s default on a 2-core machine running the rest of the suite.
const SPAWNS_TIMEOUT_MS = 240_000;

describe('npm run keys:create', { timeout: SPAWNS_TIMEOUT_MS }, () => {
  it('creates a tenant and prints a new key each time', async () => {
    const first = await keysCreate('--tenant', 'acme', '--role', 'editor');
    const second = await keysCreate('--tenant', 'acme', '--role', 'viewer');
    const key1 = first.stdout.trim();
    const key2 = second.stdout.trim();
    expect(key1).toMatch(/^vk_dev_[A-Za-z0-9_-]{43}$/);
    expect(key2).toMatch(/^vk_dev_[A-Za-z0-9_-]{43}$/);
    expect(key1).not.toBe(key2);
    const tenantOf = (stderr: string) => /\(([0-9a-f-]{36})\)/.exec(stderr)?.[1];
    expect(tenantOf(first.stderr)).toBeDefined();
    expect(tenantOf(second.stderr)).toBe(tenantOf(first.stderr));
  });

  it('refuses an unknown role and a missing tenant', async () => {
    await expect(keysCreate('--tenant', 'acme', '--role', 'root')).rejects.toMatchObject({
      code: 1,
    });
    await expect(keysCreate('--role', 'admin')).rejects.toMatchObject({ code: 2 });
  });

  it('prints an operator key with --operator', async () => {
    const created = await keysCreate('--operator', '--name', 'platform');
    expect(created.stdout.trim()).toMatch(/^vk_dev_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('operator key');
    const again = await keysCreate('--operator');
    expect(again.stdout.trim()).not.toBe(created.stdout.trim());
  });
});
