// Retrieval degrades instead of failing: a failed semantic leg (embedder or vector store, or its
// breaker open) answers keyword-only, a failed keyword leg answers semantic-only, both failing is
// a clean 503. One definition runs in both projects: locally the app embeds through an AI
// stand-in selected as its embedder; in `workers-prod` through the production stand-ins.
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env';
import { newTenant, uploadText, withBindings, withDb, type TestClient } from './helpers';
import { waitForReady } from './support/poll';
import { AiStandIn, productionBindings, productionStandIns } from './support/production-stand-ins';
import { tenantOnShard } from './support/stores';

const production = env.VECTOR_BACKEND === 'vectorize';

const MANUAL = [
  '# Osprey Winch Manual',
  '',
  'The Osprey winch hauls 12 tonnes on its primary drum.',
  'Its brake pads are replaced every 600 operating hours.',
  'The winch cable is galvanised steel, 22 millimetres thick.',
].join('\n');

// The AI binding search embeds with. Production: the project's own stand-in (also the ingest
// embedder). Local: a stand-in of this file, selected as the embedder on top of pgvector.
const ai = production ? productionStandIns().AI : new AiStandIn();
// Every shard, as the Workers bind them: with VECTORS alone the search ran unsharded and missed a
// tenant whose vectors live on shard 1 (half the tenants; the tenant is pinned there below).
const overrides: Partial<Env> = production
  ? (productionBindings() as Partial<Env>)
  : { EMBEDDING_BACKEND: 'workers-ai', AI: ai as unknown as Ai };

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

let client: TestClient;
let documentId: string;

const search = (body: Record<string, unknown>, extra: Partial<Env> = {}) =>
  withBindings(client, '/v1/search', post({ topK: 5, ...body }), { ...overrides, ...extra });

/**
 * A real failure of the keyword statement inside Postgres, for this tenant only: BM25's idf
 * takes ln() of a negative number once the tenant's corpus size is corrupted, so the statement
 * raises while every other query (vectors, hydration) still works.
 */
async function withFailingKeywordLeg<T>(work: () => Promise<T>): Promise<T> {
  const set = (n: string) =>
    withDb((db) =>
      db.execute(
        sql`UPDATE bm25_corpus SET n = ${sql.raw(n)} WHERE tenant_id = ${client.tenantId}::uuid`,
      ),
    );
  await set('-1000000');
  try {
    return await work();
  } finally {
    await withDb((db) =>
      db.execute(sql`
        UPDATE bm25_corpus SET n = (
          SELECT count(*) FROM chunks c JOIN documents d
            ON d.id = c.document_id AND d.tenant_id = c.tenant_id AND c.version = d.ready_version
          WHERE c.tenant_id = ${client.tenantId}::uuid)
        WHERE tenant_id = ${client.tenantId}::uuid`),
    );
  }
}

describe(`degraded retrieval (${production ? 'production' : 'local'} configuration)`, () => {
  beforeAll(async () => {
    client = production ? await tenantOnShard(1, 'degraded') : await newTenant('admin', 'degraded');
    const { status, body } = await uploadText(client, MANUAL, '?title=Osprey', 'text/markdown');
    expect(status).toBe(202);
    documentId = body.document.id;
    await waitForReady(client, documentId);
  });

  it('answers keyword-only when the embedder fails, says so, and does not cache the page', async () => {
    const query = `how often are the Osprey brake pads replaced ${crypto.randomUUID()}`;
    ai.fail(1, 'error');
    const degraded = await search({ query, mode: 'hybrid' });
    expect(degraded.status).toBe(200);
    expect(degraded.body.degraded).toEqual(['semantic']);
    expect(degraded.headers.get('Vellum-Degraded')).toBe('semantic');
    expect(degraded.body.results[0]).toMatchObject({ documentId });
    expect(degraded.body.results[0].scores.semantic).toBeUndefined();
    expect(degraded.body.cache).toBe('miss');

    // The embedder is back: the same search is computed afresh, not served from the fallback.
    const whole = await search({ query, mode: 'hybrid' });
    expect(whole.status).toBe(200);
    expect(whole.body).toMatchObject({ degraded: [], cache: 'miss' });
    expect(whole.headers.get('Vellum-Degraded')).toBeNull();
    expect(whole.body.results[0].scores.semantic).toEqual(expect.any(Number));
    // ...and that complete page is cached as usual.
    expect((await search({ query, mode: 'hybrid' })).body).toMatchObject({ cache: 'hit' });
  });

  it('falls back to the keyword leg for a semantic search whose embedder times out', async () => {
    ai.fail(1, 'timeout');
    const { status, body } = await search({
      query: `Osprey winch cable thickness ${crypto.randomUUID()}`,
      mode: 'semantic',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ mode: 'semantic', degraded: ['semantic'] });
    expect(body.results[0]).toMatchObject({ documentId, scores: { keyword: expect.any(Number) } });
  });

  it('answers semantic-only when the keyword leg fails', async () => {
    const query = `Osprey winch primary drum tonnes ${crypto.randomUUID()}`;
    const { status, body, headers } = await withFailingKeywordLeg(() =>
      search({ query, mode: 'hybrid' }),
    );
    expect(status).toBe(200);
    expect(body.degraded).toEqual(['keyword']);
    expect(headers.get('Vellum-Degraded')).toBe('keyword');
    expect(body.results[0]).toMatchObject({ documentId });
    expect(body.results[0].scores.keyword).toBeUndefined();
    expect(body.results[0].scores.semantic).toEqual(expect.any(Number));
  });

  it('answers 503 retrieval_unavailable when both legs fail', async () => {
    ai.fail(1, 'error');
    const { status, body, headers } = await withFailingKeywordLeg(() =>
      search({ query: `Osprey brake ${crypto.randomUUID()}`, mode: 'hybrid' }),
    );
    expect(status).toBe(503);
    expect(body.error.code).toBe('retrieval_unavailable');
    expect(headers.get('Retry-After')).toBe('5');
  });

  it('still answers a question, down to the extractive tier, when the embedder fails', async () => {
    ai.fail(1, 'error');
    const { status, body } = await withBindings(
      client,
      '/v1/answer',
      post({ question: `How often are the Osprey winch brake pads replaced?` }),
      // No model key: the chain goes straight to the cache and extractive tiers.
      { ...overrides, ANTHROPIC_API_KEY: '' },
    );
    expect(status).toBe(200);
    expect(body.tier).toBe('extractive');
    expect(body.retrieval.degraded).toEqual(['semantic']);
    expect(body.answer).toContain('600');
    expect(body.citations.some((c: any) => c.documentId === documentId)).toBe(true);
  });

  // Last: it leaves this isolate's semantic breaker open for its cool-down.
  it('skips the semantic leg without calling the embedder while its breaker is open', async () => {
    ai.fail(3, 'error');
    for (let i = 0; i < 3; i += 1) {
      const { body } = await search({ query: `Osprey cable ${crypto.randomUUID()}` });
      expect(body.degraded).toEqual(['semantic']);
    }
    const calls = ai.calls.length;
    const { status, body } = await search({ query: `Osprey hauls ${crypto.randomUUID()}` });
    expect(status).toBe(200);
    expect(body.degraded).toEqual(['semantic']);
    expect(body.results[0]).toMatchObject({ documentId });
    expect(ai.calls.length).toBe(calls);
  });
});
