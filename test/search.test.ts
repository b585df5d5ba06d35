import { beforeAll, describe, expect, it } from 'vitest';
import { newTenant, uploadText, withDb, type TestClient } from './helpers';
import { insertDocument } from './keyword-reference';
import { poll, waitForReady } from './support/poll';

async function waitReady(client: TestClient, ids: string[]) {
  for (const id of ids) await waitForReady(client, id, 30_000);
}

const search = (client: TestClient, body: Record<string, unknown>) =>
  client.json('/v1/search', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const DOCS = {
  wing: '# Wing design\n\nSupersonic wings use thin airfoils to reduce wave drag at high Mach numbers.',
  heat: '# Heat transfer\n\nThe boundary layer heat transfer rate rises sharply near the stagnation point.',
  code: '# Error codes\n\nThe controller reports fault ZX-4471 when the hydraulic pump pressure drops.',
  cake: '# Baking\n\nA sponge cake needs eggs, flour and sugar folded gently together.',
};

let a: TestClient;
let b: TestClient;
const ids: Record<string, string> = {};

beforeAll(async () => {
  a = await newTenant('editor', 'search-a');
  b = await newTenant('editor', 'search-b');
  for (const [name, text] of Object.entries(DOCS)) {
    const tags = name === 'cake' ? 'kitchen' : 'aero';
    const { body } = await uploadText(
      a,
      text,
      `?title=${name}&tags=${tags}&metadata=${encodeURIComponent(JSON.stringify({ kind: name }))}`,
      'text/markdown',
    );
    ids[name] = body.document.id;
  }
  const { body } = await uploadText(
    b,
    '# Secret\n\nTenant B supersonic wing notes about wave drag.',
    '?title=b-secret',
    'text/markdown',
  );
  await waitReady(a, Object.values(ids));
  await waitReady(b, [body.document.id]);
}, 60_000);

describe('POST /v1/search', () => {
  it.each(['keyword', 'semantic', 'hybrid'])(
    '%s mode finds the relevant document first',
    async (mode) => {
      const res = await search(a, { query: 'supersonic wing wave drag', mode, topK: 3 });
      expect(res.status).toBe(200);
      expect(res.body.results[0].documentId).toBe(ids.wing);
      expect(res.body.results[0].title).toBe('wing');
      expect(res.body.results[0].headingPath).toEqual(['Wing design']);
      expect(typeof res.body.took_ms).toBe('number');
      if (mode === 'hybrid') expect(res.body.results[0].scores).toHaveProperty('fused');
      expect(res.body.exhaustive).toBe(true);
    },
  );

  it('says when the keyword leg read only the heads of its lists (the read budget)', async () => {
    const big = await newTenant('editor', 'search-budget');
    // 64 words in each of 330 chunks: a query of all 64 sums 21,120 postings, past READ_BUDGET.
    const words = Array.from({ length: 64 }, (_, i) => `zq${i}v`);
    const texts = Array.from(
      { length: 330 },
      (_, c) => `${words.join(' ')} ${'pad '.repeat(c % 40)}`,
    );
    await withDb(async (db) => {
      for (let i = 0; i < texts.length; i += 110)
        await insertDocument(db, big.tenantId, texts.slice(i, i + 110));
    });
    const long = await search(big, { query: words.join(' '), mode: 'keyword', topK: 5 });
    expect(long.status).toBe(200);
    expect(long.body.results).toHaveLength(5);
    expect(long.body.exhaustive).toBe(false);
    const short = await search(big, { query: words.slice(0, 8).join(' '), mode: 'keyword' });
    expect(short.body.exhaustive).toBe(true);
  });

  it.each(['keyword', 'semantic', 'hybrid'])(
    "%s mode never returns another tenant's chunks, even when asked",
    async (mode) => {
      const res = await search(b, {
        query: 'supersonic wing wave drag',
        mode,
        topK: 20,
        filters: { documentIds: Object.values(ids) },
      });
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(0);
      const own = await search(b, { query: 'supersonic wing wave drag', mode, topK: 20 });
      expect(own.body.results.map((r: any) => r.title)).toEqual(['b-secret']);
    },
  );

  it('matches identifiers verbatim in keyword mode and highlights them', async () => {
    const res = await search(a, { query: 'ZX-4471', mode: 'keyword', topK: 5 });
    expect(res.body.results[0].documentId).toBe(ids.code);
    expect(res.body.results[0].snippet.html).toContain('<mark>');
  });

  it('applies tag, metadata, mime and id filters', async () => {
    const tagged = await search(a, {
      query: 'eggs flour wing heat',
      topK: 10,
      filters: { tags: ['kitchen'] },
    });
    expect(tagged.body.results.map((r: any) => r.documentId)).toEqual([ids.cake]);
    const meta = await search(a, {
      query: 'boundary layer',
      mode: 'semantic',
      topK: 10,
      filters: { metadata: { kind: 'heat' } },
    });
    expect(new Set(meta.body.results.map((r: any) => r.documentId))).toEqual(new Set([ids.heat]));
    const none = await search(a, {
      query: 'wing',
      topK: 10,
      filters: { mimeTypes: ['application/pdf'] },
    });
    expect(none.body.results).toHaveLength(0);
    const byId = await search(a, {
      query: 'pump pressure',
      mode: 'keyword',
      topK: 10,
      filters: { documentIds: [ids.heat] },
    });
    expect(byId.body.results).toHaveLength(0);
  });

  it('supports convex fusion, rerank and cursor paging', async () => {
    const convex = await search(a, {
      query: 'heat transfer boundary layer',
      fusion: { method: 'convex', alpha: 0.3 },
      topK: 1,
    });
    expect(convex.body.results[0].documentId).toBe(ids.heat);
    const reranked = await search(a, {
      query: 'heat transfer boundary layer',
      rerank: true,
      topK: 2,
    });
    expect(reranked.body.results[0].scores).toHaveProperty('rerank');
    const first = await search(a, { query: 'wing heat pump cake', mode: 'semantic', topK: 2 });
    expect(first.body.nextCursor).toBeTruthy();
    const second = await search(a, {
      query: 'wing heat pump cake',
      mode: 'semantic',
      topK: 2,
      cursor: first.body.nextCursor,
    });
    const seen = [...first.body.results, ...second.body.results].map((r: any) => r.chunkId);
    expect(new Set(seen).size).toBe(4);
    const foreign = await search(a, {
      query: 'something else',
      topK: 2,
      cursor: first.body.nextCursor,
    });
    expect(foreign.status).toBe(400);
  });

  it('caches results and invalidates them when documents change', async () => {
    const query = { query: 'sponge cake eggs', mode: 'hybrid', topK: 5 };
    const miss = await search(a, query);
    expect(miss.body.cache).toBe('miss');
    // The Cache API write finishes after the first response: ask again until it answers.
    const hit = await poll(
      'the cached answer',
      async () => {
        const res = await search(a, query);
        return res.body.cache === 'hit' ? res : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    expect(hit.body.cache).toBe('hit');
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hit.body.results).toEqual(miss.body.results);
    await a.json(`/v1/documents/${ids.cake}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"cake-renamed"}',
    });
    const after = await search(a, query);
    expect(after.body.cache).toBe('miss');
    expect(after.body.results[0].title).toBe('cake-renamed');
  });

  it('validates the request', async () => {
    expect((await search(a, { query: '' })).body.error.code).toBe('validation_failed');
    expect((await search(a, { query: 'x', topK: 101 })).status).toBe(400);
    expect((await search(a, { query: 'x', mode: 'fuzzy' })).status).toBe(400);
    expect((await search(a, { query: 'x', tenantId: 'other' })).body.error.code).toBe(
      'validation_failed',
    );
  });
});

describe('search usage and cache metrics', () => {
  it('counts searches in usage and cache lookups in the metrics', async () => {
    const admin = await newTenant('admin', 'search-usage');
    const { body } = await uploadText(
      admin,
      '# Note\n\nWind tunnel calibration notes.',
      '?title=note',
      'text/markdown',
    );
    await waitReady(admin, [body.document.id]);
    await search(admin, { query: 'wind tunnel calibration', topK: 3 });
    await search(admin, { query: 'wind tunnel calibration', topK: 3 });
    // Usage and metrics are recorded after the responses: read until both show up.
    const { searches, lookups } = await poll(
      'search usage and cache metrics',
      async () => {
        const usage = await admin.json('/v1/usage');
        const searches: number = usage.body.days.at(-1).searches;
        const lookups: unknown[] = (await admin.json('/v1/admin/metrics')).body.cache;
        return searches >= 2 && lookups.length > 0 ? { searches, lookups } : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(searches).toBe(2);
    expect(lookups.length).toBeGreaterThan(0);
  });
});
