import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import type { Env } from '../src/env';
import { corpusVersion, wantsFresh } from '../src/retrieval/corpus-version';
import { BASE, newTenant, uploadText, withDb, type TestClient } from './helpers';
import { waitForReady } from './support/poll';

// Cached search reads the tenant's corpus version from a short per-isolate memo;
// `Cache-Control: no-cache` reads it from Postgres (docs/performance.md).

/** Another isolate's change, as this isolate sees it: the row moves, the memo is not told. */
const bumpElsewhere = (tenantId: string) =>
  withDb((db) =>
    db.execute(
      sql`UPDATE tenants SET corpus_version = corpus_version + 1 WHERE id = ${tenantId}::uuid`,
    ),
  );

/** The real app with altered bindings (here: the memo's window). */
async function searchDirect(
  client: TestClient,
  body: unknown,
  overrides: Partial<Env>,
  headers: Record<string, string> = {},
) {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request(`${BASE}/v1/search`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${client.key}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    }),
    { ...env, ...overrides } as Env,
    ctx,
  );
  const json = (await res.json()) as any;
  await waitOnExecutionContext(ctx);
  return json;
}

describe('corpus-version memo', () => {
  it('serves the memo within its window and reads fresh after it or when asked', async () => {
    const client = await newTenant('viewer', 'memo-unit');
    await withDb(async (db) => {
      const t = client.tenantId;
      expect(await corpusVersion(db, t, { now: 0, maxAgeMs: 2_000 })).toBe(0);
      await bumpElsewhere(t);
      expect(await corpusVersion(db, t, { now: 1_999, maxAgeMs: 2_000 })).toBe(0);
      expect(await corpusVersion(db, t, { now: 1_999, maxAgeMs: 2_000, fresh: true })).toBe(1);
      await bumpElsewhere(t);
      // The fresh read refreshed the memo at 1 999.
      expect(await corpusVersion(db, t, { now: 3_000, maxAgeMs: 2_000 })).toBe(1);
      expect(await corpusVersion(db, t, { now: 3_999, maxAgeMs: 2_000 })).toBe(2);
      // A zero window is no memo at all.
      await bumpElsewhere(t);
      expect(await corpusVersion(db, t, { now: 4_000, maxAgeMs: 0 })).toBe(3);
    });
  });

  it('recognises no-cache request directives', () => {
    expect(wantsFresh('no-cache')).toBe(true);
    expect(wantsFresh('max-age=0, No-Cache')).toBe(true);
    expect(wantsFresh('max-age=0')).toBe(true);
    expect(wantsFresh('no-store-ish')).toBe(false);
    expect(wantsFresh('max-age=60')).toBe(false);
    expect(wantsFresh(undefined)).toBe(false);
  });

  it('keeps serving cached search within the window; no-cache sees the new version', async () => {
    const client = await newTenant('editor', 'memo-route');
    const { body } = await uploadText(client, '# Gliders\n\nSailplanes soar on thermals.', '');
    await waitForReady(client, body.document.id, 30_000);
    // A window no test run outlasts, so the assertions do not depend on timing.
    const long = { SEARCH_CORPUS_MEMO_MS: '600000' };
    const query = { query: 'sailplanes thermals', mode: 'keyword', topK: 3 };
    expect((await searchDirect(client, query, long)).cache).toBe('miss');
    expect((await searchDirect(client, query, long)).cache).toBe('hit');

    await bumpElsewhere(client.tenantId);
    expect((await searchDirect(client, query, long)).cache).toBe('hit');
    const fresh = await searchDirect(client, query, long, { 'cache-control': 'no-cache' });
    expect(fresh.cache).toBe('miss');
    expect(fresh.results[0].documentId).toBe(body.document.id);
    // The fresh read refreshed the memo: the entry it wrote is what the next search finds.
    expect((await searchDirect(client, query, long)).cache).toBe('hit');
  });

  it('a no-cache search sees a document as soon as it is ready', async () => {
    const client = await newTenant('editor', 'memo-ready');
    const first = await uploadText(client, '# Balloons\n\nHot air rises.', '');
    await waitForReady(client, first.body.document.id, 30_000);
    const query = { query: 'ornithopter flapping', mode: 'keyword', topK: 3 };
    const long = { SEARCH_CORPUS_MEMO_MS: '600000' };
    expect((await searchDirect(client, query, long)).results).toHaveLength(0);
    const second = await uploadText(client, '# Ornithopter\n\nFlapping wing craft.', '');
    await waitForReady(client, second.body.document.id, 30_000);
    const res = await searchDirect(client, query, long, { 'cache-control': 'no-cache' });
    expect(res.results.map((r: any) => r.documentId)).toEqual([second.body.document.id]);
  });
});
