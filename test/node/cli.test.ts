import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './local-stack-fixture';
import { poll } from '../support/poll';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
let fixture: Fixture;
const corpus = mkdtempSync(join(tmpdir(), 'vellum-cli-corpus-'));

const vellum = (...args: string[]) =>
  run(process.execPath, [join(ROOT, 'bin/vellum.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, VELLUM_URL: fixture.stack.url, VELLUM_KEY: fixture.key },
  });

beforeAll(async () => {
  mkdirSync(join(corpus, 'nested'));
  writeFileSync(
    join(corpus, 'alpha.md'),
    '# Alpha\n\nAlpha covers the tide tables of the harbour.\n',
  );
  writeFileSync(join(corpus, 'beta.txt'), 'Beta lists the lighthouse keepers by decade.\n');
  writeFileSync(join(corpus, 'nested', 'gamma.md'), '# Gamma\n\nGamma records storm damage.\n');
  writeFileSync(join(corpus, 'bad.exe'), 'MZ not a document');
  fixture = await startFixture('cli');
}, 120_000);

afterAll(async () => {
  await fixture?.stop();
  rmSync(corpus, { recursive: true, force: true });
});

describe('vellum CLI against a local stack', () => {
  it('imports a directory, then a re-run uploads nothing and reports duplicates', async () => {
    const first = await vellum('import', corpus, '--concurrency', '2').catch((e) => e);
    // bad.exe is refused by the server, so the first run exits 1 and names it.
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('uploaded: 3\nduplicates: 0\nfailed: 1\n');
    expect(first.stdout).toMatch(/bad\.exe: unsupported_media_type|bad\.exe: .*415/);
    expect(first.stderr).toContain('4/4');

    const second = await vellum('import', join(corpus, '**/*.md'), join(corpus, 'beta.txt'));
    expect(second.stdout).toBe('uploaded: 0\nduplicates: 3\nfailed: 0\n');

    const list = await vellum('docs', 'ls');
    const titles = list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s{2,}/).at(-1));
    expect(titles.sort()).toEqual(['alpha.md', 'beta.txt', 'gamma.md']);
  });

  it('searches and creates keys', async () => {
    // Ingestion is asynchronous: wait for the chunks to be searchable.
    const out = await poll(
      'the imported chunks to be searchable',
      async () => {
        const { stdout } = await vellum('search', 'lighthouse keepers', '--mode', 'keyword');
        return stdout.includes('lighthouse') ? stdout : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(out).toMatch(/^1\. beta\.txt/);

    const created = await vellum('keys', 'create', '--role', 'viewer', '--name', 'ci-reader');
    expect(created.stdout.trim()).toMatch(/^vk_dev_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('(viewer, ci-reader)');
  });

  it('streams a cited answer with ask', async () => {
    const asked = await vellum('ask', 'Who is listed by decade?');
    const [answer, citations] = asked.stdout.split('\n\n');
    expect(answer!.trim().length).toBeGreaterThan(0);
    expect(citations).toMatch(/^\[1\] [0-9a-f-]{36} ".+"/m);
  });

  it('explains missing configuration and usage errors', async () => {
    const missing = await run(process.execPath, [join(ROOT, 'bin/vellum.mjs'), 'docs', 'ls'], {
      cwd: ROOT,
      env: { ...process.env, VELLUM_URL: '', VELLUM_KEY: '' },
    }).catch((e) => e);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('VELLUM_URL');
    const unknown = await vellum('frobnicate').catch((e) => e);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: vellum');
  });

  it('mints a user token locally that the server accepts as that user', async () => {
    const self = await fetch(`${fixture.stack.url}/v1/keys/self`, {
      headers: { authorization: `Bearer ${fixture.key}` },
    }).then((r) => r.json() as Promise<{ tenantId: string; keyId: string }>);
    const minted = await vellum(
      'token',
      'mint',
      '--user',
      'cli-user',
      '--tenant',
      self.tenantId,
      '--key-id',
      self.keyId,
      '--ops',
      'search,keys:self',
      '--ttl',
      '600',
    );
    const token = minted.stdout.trim();
    expect(token).toMatch(/^vut1\.[\w-]+\.[\w-]+$/);
    const res = await fetch(`${fixture.stack.url}/v1/keys/self`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      userId: 'cli-user',
      operations: ['search', 'keys:self'],
      tenantId: self.tenantId,
    });
    const missing = await vellum('token', 'mint', '--user', 'x').catch((e) => e);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--key-id');
  });
});
