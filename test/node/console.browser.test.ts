// Drives the web console in a real Chromium against a local stack: sign in, upload, watch the
// document reach ready, search, chat with a citation (when the chat routes answer), admin, API docs.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintUserToken } from '../../src/client';
import { startFixture, type Fixture } from './local-stack-fixture';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = resolve(__dirname, '../../test-artifacts/screenshots');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `console browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`,
  );
}

let fixture: Fixture;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const profile = mkdtempSync(join(tmpdir(), 'vellum-chromium-'));
const pageErrors: string[] = [];
const steps: string[] = [];

const shot = (name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe.skipIf(!hasChromium)('web console in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    fixture = await startFixture('browser');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    });
    browser = context.browser()!;
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => dialog.accept());
    (globalThis as { __context?: typeof context }).__context = context;
  }, 180_000);

  /** A fresh tab (its own sessionStorage) signed in with `token`. */
  async function signedInTab(token: string, userId: string) {
    const tab = await context.newPage();
    tab.on('pageerror', (error) => pageErrors.push(`${userId}: ${error.message}`));
    await tab.goto(fixture.stack.url + '/');
    await tab.getByLabel('API key or user token').fill(token);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.getByRole('heading', { name: 'Your documents' }).waitFor();
    expect(await tab.locator('#who').textContent()).toContain(`user ${userId}`);
    return tab;
  }

  afterAll(async () => {
    console.log(`console browser steps run: ${steps.join(', ')}`);
    await (globalThis as { __context?: { close(): Promise<void> } }).__context?.close();
    await browser?.close().catch(() => {});
    await fixture?.stop();
    rmSync(profile, { recursive: true, force: true });
  });

  it('signs in, uploads, watches ingestion, searches, chats and shows admin and docs', async () => {
    await page.goto(fixture.stack.url + '/');
    await page.getByLabel('API key').fill('vk_dev_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Sign-in failed');
    await page.getByLabel('API key').fill(fixture.key);
    await shot('01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    // The key lives in sessionStorage only.
    expect(await page.evaluate("sessionStorage.getItem('vellum.credential')")).toBe(fixture.key);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    steps.push('sign-in');

    await page.locator('#file-input').setInputFiles([
      {
        name: 'harbour.md',
        mimeType: 'text/markdown',
        buffer: Buffer.from(
          '# Harbour guide\n\nThe harbour master rings the brass bell at noon every day.\n\n' +
            '## Tides\n\nSpring tides flood the lower quay twice a month.\n',
        ),
      },
    ]);
    const upload = page.locator('.uploads li', { hasText: 'harbour.md' });
    await expect
      .poll(() => upload.locator('.status').textContent(), { timeout: 30_000 })
      .toBe('uploaded');
    expect(await upload.locator('progress').getAttribute('value')).toBe('1');
    await shot('02-uploaded');
    steps.push('upload');

    const row = page.locator('tbody tr', { hasText: 'harbour.md' });
    await expect
      .poll(() => row.locator('[data-status]').getAttribute('data-status'), { timeout: 60_000 })
      .toBe('ready');
    await shot('03-ready');
    steps.push('ready');

    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Query').fill('brass bell');
    await page.getByLabel('Mode').selectOption('hybrid');
    await page.getByLabel('Fusion').selectOption('rrf');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hit = page.locator('.hit').first();
    await hit.waitFor();
    expect(await hit.locator('h2').textContent()).toBe('harbour.md');
    expect((await hit.locator('mark').allTextContents()).map((t) => t.toLowerCase())).toContain(
      'bell',
    );
    expect(await hit.locator('.meta').textContent()).toMatch(/score \d/);
    await shot('04-search');
    steps.push('search');

    const chat = await fetch(`${fixture.stack.url}/v1/conversations`, {
      headers: { authorization: `Bearer ${fixture.key}` },
    });
    if (chat.status === 404) {
      console.log('chat step skipped: /v1/conversations is not served by this build');
    } else {
      await page.getByRole('link', { name: 'Chat' }).click();
      await page.getByLabel('Your question').fill('When does the harbour master ring the bell?');
      await page.getByRole('button', { name: 'Send' }).click();
      const answer = page.locator('.msg.assistant').last();
      await expect.poll(() => answer.getAttribute('aria-busy'), { timeout: 60_000 }).toBe('false');
      expect((await answer.locator('.answer-text').textContent())!.length).toBeGreaterThan(0);
      await shot('05-chat-answer');
      const citation = answer.locator('button.cite').first();
      await citation.click();
      const span = page.locator('#cited-span');
      await span.waitFor();
      expect((await span.textContent())!.length).toBeGreaterThan(0);
      await shot('06-chat-citation');
      await answer.getByRole('button', { name: 'Helpful', exact: true }).click();
      await expect
        .poll(() =>
          answer.getByRole('button', { name: 'Helpful', exact: true }).getAttribute('aria-pressed'),
        )
        .toBe('true');
      const convs = (await (
        await fetch(`${fixture.stack.url}/v1/conversations`, {
          headers: { authorization: `Bearer ${fixture.key}` },
        })
      ).json()) as { data: Array<{ id: string; messageCount: number }> };
      expect(convs.data).toHaveLength(1);
      expect(await page.locator('.conversations button').count()).toBe(1);
      steps.push('chat');
    }

    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByText('Queue backlog').waitFor();
    await page.locator('tbody tr', { hasText: 'POST /v1/search' }).waitFor();
    await page.getByLabel('Name').fill('browser-made');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    expect(await page.locator('#new-secret').textContent()).toMatch(/^vk_dev_/);
    const keyRow = page.locator('tbody tr', { hasText: 'browser-made' });
    await keyRow.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => keyRow.textContent()).toContain('revoked');
    await page.locator('tbody tr', { hasText: 'key.revoke' }).first().waitFor();
    await shot('07-admin');
    steps.push('admin');

    await page.goto(fixture.stack.url + '/docs');
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 30_000 });
    await shot('08-api-docs');
    steps.push('docs');

    expect(pageErrors).toEqual([]);
  }, 240_000);

  it('signs in two users of one tenant with user tokens; each sees only their own documents', async () => {
    const api = (path: string, init: RequestInit = {}) =>
      fetch(fixture.stack.url + path, {
        ...init,
        headers: { authorization: `Bearer ${fixture.key}`, ...init.headers },
      });
    // The tenant's server: who its key is, then tokens minted locally (no round trip).
    const self = (await (await api('/v1/keys/self')).json()) as { keyId: string; tenantId: string };
    const mint = (userId: string, extra: { operations?: string[]; now?: number } = {}) =>
      mintUserToken(fixture.key, { tenantId: self.tenantId, keyId: self.keyId, userId, ...extra });
    // A document the tenant shares with everyone (an API key's upload is the tenant's).
    const shared = new FormData();
    shared.append(
      'file',
      new Blob(['Notice: the quay closes at dusk.'], { type: 'text/plain' }),
      'notice-board.txt',
    );
    expect((await api('/v1/documents', { method: 'POST', body: shared })).status).toBe(202);

    const alice = await mint('alice');
    // Bob's token carries no chat and no keys:self: the console reads his operations from the
    // token itself, and offers no Chat view.
    const bob = await mint('bob', {
      operations: ['documents:read', 'documents:upload', 'documents:write', 'search'],
    });

    // An expired token is refused at sign-in with the server's reason.
    const stale = await mint('alice', { now: Date.now() - 2 * 3600_000 });
    const probe = await context.newPage();
    await probe.goto(fixture.stack.url + '/');
    await probe.getByLabel('API key or user token').fill(stale.token);
    await probe.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => probe.getByRole('alert').textContent()).toContain('expired');
    await probe.close();

    const tabs = {
      alice: await signedInTab(alice.token, 'alice'),
      bob: await signedInTab(bob.token, 'bob'),
    };
    for (const tab of Object.values(tabs)) {
      expect(await tab.getByRole('link', { name: 'Admin' }).count()).toBe(0);
      expect(await tab.getByRole('link', { name: 'Search' }).count()).toBe(1);
    }
    expect(await tabs.alice.getByRole('link', { name: 'Chat' }).count()).toBe(1);
    expect(await tabs.bob.getByRole('link', { name: 'Chat' }).count()).toBe(0);
    steps.push('users-sign-in');

    for (const [user, tab] of Object.entries(tabs)) {
      await tab.locator('#file-input').setInputFiles([
        {
          name: `${user}-notes.md`,
          mimeType: 'text/markdown',
          buffer: Buffer.from(
            `# ${user}'s notes\n\nOnly ${user} keeps the key to locker ${user.length}.\n`,
          ),
        },
      ]);
      await expect
        .poll(
          () =>
            tab
              .locator('.uploads li', { hasText: `${user}-notes.md` })
              .locator('.status')
              .textContent(),
          {
            timeout: 30_000,
          },
        )
        .toBe('uploaded');
    }
    steps.push('users-upload');

    const titles = async (tab: Page) => {
      await tab.reload();
      await tab.getByRole('heading', { name: 'Your documents' }).waitFor();
      await tab.locator('tbody tr[data-id]').first().waitFor();
      return (await tab.locator('tbody tr[data-id] td:first-child').allTextContents()).sort();
    };
    // Each sees exactly their own upload and the tenant's shared documents (this one, and any an
    // earlier test uploaded with the key): never the other user's private one.
    const everything = (await (await api('/v1/documents?limit=100')).json()) as {
      data: Array<{ title: string; visibility: string }>;
    };
    const sharedTitles = everything.data
      .filter((d) => d.visibility === 'tenant')
      .map((d) => d.title);
    expect(sharedTitles).toContain('notice-board.txt');
    expect(everything.data.map((d) => d.title)).toEqual(
      expect.arrayContaining(['alice-notes.md', 'bob-notes.md']),
    );
    expect(await titles(tabs.alice)).toEqual(['alice-notes.md', ...sharedTitles].sort());
    expect(await titles(tabs.bob)).toEqual(['bob-notes.md', ...sharedTitles].sort());

    // Only what the token may do is offered: changing one's own document, not the tenant's.
    const own = tabs.alice.locator('tbody tr', { hasText: 'alice-notes.md' });
    expect(await own.locator('[data-visibility]').textContent()).toBe('private');
    expect(await own.locator('.owner').textContent()).toBe('you');
    expect(await own.getByRole('button', { name: 'Delete' }).count()).toBe(1);
    const tenants = tabs.alice.locator('tbody tr', { hasText: 'notice-board.txt' });
    expect(await tenants.locator('[data-visibility]').textContent()).toBe('tenant');
    expect(await tenants.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await tenants.getByRole('button', { name: 'Share with tenant' }).count()).toBe(0);
    for (const [user, tab] of Object.entries(tabs)) {
      await tab.screenshot({ path: join(SHOTS, `09-user-${user}-documents.png`), fullPage: true });
    }
    steps.push('users-isolated');

    // Alice shares her document; Bob then sees it, owned by her and not his to delete.
    await own.getByRole('button', { name: 'Share with tenant' }).click();
    await expect.poll(() => own.locator('[data-visibility]').textContent()).toBe('tenant');
    expect(await titles(tabs.bob)).toContain('alice-notes.md');
    const hers = tabs.bob.locator('tbody tr', { hasText: 'alice-notes.md' });
    expect(await hers.locator('.owner').textContent()).toBe('alice');
    expect(await hers.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    steps.push('users-share');

    for (const tab of Object.values(tabs)) await tab.close();
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
