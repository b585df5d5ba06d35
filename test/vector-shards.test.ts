// Vectorize sharding in the production configuration (workers-prod only): two Vectorize
// bindings, VECTORS and VECTORS_1 (VECTOR_SHARDS=2). Tenants land on different shards through
// the product's resolver, and each tenant's writes, searches and deletes touch only its shard.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { uploadText, withDb, type TestClient } from './helpers';
import { vectorIdFor } from '../src/retrieval/vectors/vectorize';
import { productionStandIns } from './support/production-stand-ins';
import { poll, waitForReady } from './support/poll';
import { tenantOnShard } from './support/stores';

const TEXT = '# Osprey Pump Manual\n\nThe Osprey pump primes in 40 seconds at 3 bar.\n';
const { shards } = productionStandIns();

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The id prefix every vector of this tenant carries (ids are tenant-scoped). */
const prefixOf = (tenantId: string) => vectorIdFor(tenantId, 'x').slice(0, -1);

async function chunkIds(tenantId: string): Promise<string[]> {
  return withDb(async (db) => {
    const result = await db.execute<{ id: string }>(
      sql`SELECT id FROM chunks WHERE tenant_id = ${tenantId}::uuid`,
    );
    return result.rows.map((r) => r.id);
  });
}

/** How many of the tenant's chunk vectors each shard holds, in shard order. */
async function heldPerShard(tenantId: string, ids: string[]): Promise<number[]> {
  const vectorIds = ids.map((id) => vectorIdFor(tenantId, id));
  return Promise.all(shards.map(async (index) => (await index.getByIds(vectorIds)).length));
}

describe('Vectorize shards (production configuration)', () => {
  const tenants: TestClient[] = [];
  const documents: string[] = [];

  beforeAll(async () => {
    expect(env.VECTOR_BACKEND).toBe('vectorize');
    expect(shards).toHaveLength(2);
    for (const shard of [0, 1]) {
      const client = await tenantOnShard(shard);
      const { status, body } = await uploadText(client, TEXT, '?title=Osprey', 'text/markdown');
      expect(status).toBe(202);
      await waitForReady(client, body.document.id);
      tenants.push(client);
      documents.push(body.document.id);
    }
  });

  afterEach(() => vi.restoreAllMocks());

  it("writes each tenant's vectors to its own shard only", async () => {
    for (const [shard, client] of tenants.entries()) {
      const ids = await chunkIds(client.tenantId);
      expect(ids.length).toBeGreaterThan(0);
      const expected = [0, 0];
      expected[shard] = ids.length;
      expect(await heldPerShard(client.tenantId, ids)).toEqual(expected);
    }
  });

  it("searches only the tenant's shard", async () => {
    for (const [shard, client] of tenants.entries()) {
      const before = shards.map((index) => index.calls.length);
      const { status, body } = await client.json(
        '/v1/search',
        post({ query: 'how fast does the Osprey pump prime', mode: 'semantic', topK: 5 }),
      );
      expect(status).toBe(200);
      expect(body.results[0]?.documentId).toBe(documents[shard]);
      const queried = shards.map(
        (index, i) =>
          index.calls
            .slice(before[i])
            .filter((c) => c.op === 'query' && c.namespace === client.tenantId).length,
      );
      expect(queried[shard]).toBeGreaterThan(0);
      expect(queried[1 - shard]).toBe(0);
    }
  });

  it("deletes from the tenant's shard only and leaves the other tenant whole", async () => {
    const [onZero, onOne] = tenants as [TestClient, TestClient];
    const deletes = shards.map((index) => vi.spyOn(index, 'deleteByIds'));
    const doomed = await chunkIds(onZero.tenantId);
    const kept = await chunkIds(onOne.tenantId);

    const res = await onZero.fetch(`/v1/documents/${documents[0]}`, { method: 'DELETE' });
    expect(res.status).toBeLessThan(300);
    await poll("tenant 0's vectors to be deleted", async () =>
      (await heldPerShard(onZero.tenantId, doomed)).every((n) => n === 0) ? true : undefined,
    );

    const touched = (shard: number, tenantId: string) =>
      deletes[shard]!.mock.calls.flatMap(([ids]) => ids).filter((id) =>
        id.startsWith(prefixOf(tenantId)),
      ).length;
    expect(touched(0, onZero.tenantId)).toBeGreaterThan(0);
    expect(touched(1, onZero.tenantId)).toBe(0);
    expect(await heldPerShard(onOne.tenantId, kept)).toEqual([0, kept.length]);

    const { body } = await onOne.json(
      '/v1/search',
      post({ query: 'Osprey pump primes', mode: 'semantic', topK: 5 }),
    );
    expect(body.results[0]?.documentId).toBe(documents[1]);
  });
});
