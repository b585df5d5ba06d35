// The whole document lifecycle, end to end through the API, the queues and the stores. One
// definition runs in both test projects: `workers` (pgvector, local embedder, Postgres metrics)
// and `workers-prod` (Vectorize, Workers AI and Analytics Engine through their stand-ins).
import { beforeAll, describe, expect, it } from 'vitest';
import { newTenant, uploadText, type TestClient } from './helpers';
import { poll, waitForReady } from './support/poll';
import { chunkIdsOf, objectsOf, production, rowsLeft, vectorsOf } from './support/stores';

const GUIDE_V1 = [
  '# Kestrel Turbine Guide',
  '',
  'The Kestrel turbine spins at 9100 rpm at full load.',
  'Its bearings are greased every 250 hours with lithium grease.',
].join('\n');

const GUIDE_V2 = [
  '# Kestrel Turbine Guide',
  '',
  'The Kestrel turbine spins at 9100 rpm at full load.',
  'Its bearings are now sealed for life and never need grease.',
].join('\n');

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe(`document lifecycle (${production ? 'production' : 'local'} configuration)`, () => {
  let client: TestClient;
  let id: string;
  let firstChunks: string[];

  beforeAll(async () => {
    client = await newTenant('admin', 'lifecycle');
  });

  it('uploads and ingests a document into the configured vector store', async () => {
    const { status, body } = await uploadText(client, GUIDE_V1, '?title=Kestrel', 'text/markdown');
    expect(status).toBe(202);
    id = body.document.id;
    await waitForReady(client, id);
    firstChunks = await chunkIdsOf(client.tenantId, id);
    expect(firstChunks.length).toBeGreaterThan(0);
    expect((await vectorsOf(client.tenantId, id, firstChunks)).sort()).toEqual(
      [...firstChunks].sort(),
    );
  });

  it('finds it in every search mode', async () => {
    for (const mode of ['keyword', 'semantic', 'hybrid'] as const) {
      const { status, body } = await client.json(
        '/v1/search',
        post({ query: 'how often are the Kestrel bearings greased', mode, topK: 5 }),
      );
      expect(status, mode).toBe(200);
      expect(body.results[0]?.documentId, mode).toBe(id);
    }
  });

  it('answers a question citing it', async () => {
    const { status, body } = await client.json(
      '/v1/answer',
      post({ question: 'How often are the Kestrel turbine bearings greased?' }),
    );
    expect(status).toBe(200);
    expect(body.citations.some((c: any) => c.verified && c.documentId === id)).toBe(true);
  });

  it('serves the new version once it is ready and retires the old vectors', async () => {
    const res = await client.fetch(`/v1/documents/${id}/content`, {
      method: 'PUT',
      headers: { 'content-type': 'text/markdown' },
      body: GUIDE_V2,
    });
    expect(res.status).toBe(202);
    await waitForReady(client, id);
    const { body } = await client.json(
      '/v1/search',
      post({ query: 'sealed for life bearings', mode: 'hybrid', topK: 5 }),
    );
    expect(body.results[0]?.documentId).toBe(id);
    expect(body.results[0]?.version).toBe(2);
    // Older versions are retired right after the new one is promoted, in the same invocation.
    await poll("the first version's vectors to be retired", async () =>
      (await vectorsOf(client.tenantId, id, firstChunks)).length === 0 ? true : undefined,
    );
  });

  it('hides a deleted document at once and leaves nothing of it in any store', async () => {
    const chunkIds = await chunkIdsOf(client.tenantId, id);
    const deleted = await client.fetch(`/v1/documents/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(202);
    // Hidden before its data is gone: the removal runs as a queued saga.
    expect((await client.fetch(`/v1/documents/${id}`)).status).toBe(404);
    const { body } = await client.json(
      '/v1/search',
      post({ query: 'Kestrel turbine bearings', mode: 'hybrid', topK: 5 }),
    );
    expect(body.results).toEqual([]);
    await poll('the deletion saga to finish', async () =>
      (await rowsLeft(client.tenantId, id)) === 0 ? true : undefined,
    );
    expect(await objectsOf(client.tenantId)).toEqual([]);
    expect(await vectorsOf(client.tenantId, id, [...chunkIds, ...firstChunks])).toEqual([]);
  });
});
