// Deletion as a resumable saga (src/documents/purge.ts). Runs in both test projects: the
// steps go through the vector store port, so the production configuration checks Vectorize.
// Messages are captured at the API and handed to the ingest Worker's queue handler by hand,
// so a test decides when each delivery happens and which binding fails during it.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import type { Env, IngestQueueMessage } from '../src/env';
import { runMaintenance } from '../src/maintenance';
import { shardBinding, shardForTenant } from '../src/retrieval/vectors/shard';
import ingest from '../workers/ingest/index';
import { newTenant, uploadText, withBindings, withDb, type TestClient } from './helpers';
import { poll, waitForReady } from './support/poll';
import {
  PRODUCTION_VECTOR_SHARDS,
  productionBindings,
  vectorsOf as tenantIndex,
} from './support/production-stand-ins';
import {
  chunkIdsOf,
  objectsOf,
  production,
  rowsLeft,
  tenantOnShard,
  vectorsOf,
} from './support/stores';

const GUIDE = [
  '# Osprey Winch Manual',
  '',
  'The Osprey winch hauls 4 tonnes on its primary drum.',
  'Its brake pads are replaced every 600 operating hours.',
].join('\n');

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A queue producer that keeps what it is sent, for the test to deliver by hand. */
function capturingQueue() {
  const sent: IngestQueueMessage[] = [];
  const queue = {
    async send(body: IngestQueueMessage) {
      sent.push(body);
    },
    async sendBatch(messages: Array<{ body: IngestQueueMessage }>) {
      sent.push(...messages.map((m) => m.body));
    },
  } as unknown as Env['INGEST_QUEUE'];
  return { sent, queue };
}

/** A queue producer that is down, as `send` fails when Queues is unavailable. */
const refusingQueue = {
  async send() {
    throw new Error('Queue send failed: 503 Service Unavailable');
  },
  async sendBatch() {
    throw new Error('Queue send failed: 503 Service Unavailable');
  },
} as unknown as Env['INGEST_QUEUE'];

/** `binding` whose `method` fails on its first call only, as a transient outage would. */
function failingOnce<T extends object>(binding: T, method: string): T {
  let failed = false;
  return new Proxy(binding, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === method && !failed) {
        return async () => {
          failed = true;
          throw new Error(`${String(prop)}: injected outage`);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The bindings the ingest Worker runs with in this project: in production every stand-in the
 * API Worker sees (test/worker-prod.ts), all shards and VECTOR_SHARDS included. Binding only
 * `VECTORS` would leave the consumer unsharded, deleting from shard 0 whatever the tenant.
 */
function consumerEnv(overrides: Partial<Env> = {}): Env {
  const bound = production ? productionBindings() : {};
  return { ...env, ...bound, ...overrides } as Env;
}

/** The tenant's shard binding (`VECTORS`, `VECTORS_1`), with `method` failing on its first call. */
function vectorOutage(tenantId: string, method: string): Partial<Env> {
  const shard = shardForTenant(tenantId, PRODUCTION_VECTOR_SHARDS);
  return { [shardBinding(shard)]: failingOnce(tenantIndex(tenantId), method) } as Partial<Env>;
}

/** Delivers one message to the ingest Worker's queue handler and returns what it settled. */
async function deliver(body: IngestQueueMessage, attempts: number, overrides: Partial<Env> = {}) {
  const batch = createMessageBatch<IngestQueueMessage>('vellum-ingest', [
    { id: `m${attempts}`, timestamp: new Date(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  await ingest.queue(batch as never, consumerEnv(overrides), ctx);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks.length === 1, retried: result.retryMessages.length === 1 };
}

async function statusOf(documentId: string) {
  return withDb(async (db) => {
    const r = await db.execute<{ status: string }>(
      sql`SELECT status FROM documents WHERE id = ${documentId}::uuid`,
    );
    return r.rows[0]?.status;
  });
}

async function deleteEvents(documentId: string) {
  return withDb(async (db) => {
    const r = await db.execute<{ stage: string; status: string }>(sql`
      SELECT stage, status FROM ingestion_events
      WHERE document_id = ${documentId}::uuid AND stage LIKE 'delete.%' ORDER BY id`);
    return r.rows.map((e) => `${e.stage}:${e.status}`);
  });
}

/**
 * A tenant for a case that checks the vectors are gone. In production its vectors live on shard
 * 1, not on `VECTORS` (shard 0): a consumer that saw fewer shards than the API Worker would look
 * in shard 0 and leave them behind, and a tenant on shard 0 would hide that on half of the runs.
 */
function vectorTenant(label: string): Promise<TestClient> {
  return production ? tenantOnShard(1, label) : newTenant('admin', label);
}

async function readyDocument(client: TestClient, text: string) {
  const { status, body } = await uploadText(client, text, '?title=Osprey', 'text/markdown');
  expect(status).toBe(202);
  await waitForReady(client, body.document.id);
  return body.document.id as string;
}

describe(`deletion saga (${production ? 'production' : 'local'} configuration)`, () => {
  it('hides the document at once; a step failing midway resumes on redelivery and leaves nothing', async () => {
    const client = await vectorTenant('saga');
    const id = await readyDocument(client, GUIDE);
    const chunkIds = await chunkIdsOf(client.tenantId, id);
    expect((await vectorsOf(client.tenantId, id, chunkIds)).length).toBe(chunkIds.length);

    const captured = capturingQueue();
    const deleted = await withBindings(
      client,
      `/v1/documents/${id}`,
      { method: 'DELETE' },
      { INGEST_QUEUE: captured.queue },
    );
    expect(deleted).toMatchObject({ status: 202, body: { id, status: 'deleting' } });
    expect(captured.sent).toMatchObject([
      { kind: 'delete', tenantId: client.tenantId, documentId: id },
    ]);

    // Hidden from every read before any data is removed.
    expect((await client.json(`/v1/documents/${id}`)).status).toBe(404);
    expect((await client.json(`/v1/documents/${id}/chunks`)).status).toBe(404);
    expect((await client.json(`/v1/documents/${id}/download`)).status).toBe(404);
    expect((await client.json(`/v1/documents/${id}`, json('PATCH', { title: 'x' }))).status).toBe(
      404,
    );
    expect((await client.json('/v1/documents')).body.data).toEqual([]);
    for (const mode of ['keyword', 'semantic', 'hybrid']) {
      const search = await client.json(
        '/v1/search',
        json('POST', { query: 'Osprey winch brake pads', mode, topK: 5 }),
      );
      expect(search.status, mode).toBe(200);
      expect(search.body.results, mode).toEqual([]);
    }
    // The same file can be uploaded again at once: its hash no longer holds the slot.
    const again = await uploadText(client, GUIDE, '?title=Osprey again', 'text/markdown');
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ duplicate: false });
    expect(again.body.document.id).not.toBe(id);

    // First delivery: vectors go, then R2 fails while deleting the objects.
    const first = await deliver(captured.sent[0]!, 1, {
      DOCUMENTS: failingOnce(env.DOCUMENTS, 'delete'),
    });
    expect(first).toEqual({ acked: false, retried: true });
    expect(await statusOf(id)).toBe('deleting');
    expect(await deleteEvents(id)).toEqual([
      'delete.requested:done',
      'delete.vectors:done',
      'delete.objects:failed',
    ]);
    expect(await vectorsOf(client.tenantId, id, chunkIds)).toEqual([]);
    expect((await objectsOf(client.tenantId, id)).length).toBeGreaterThan(0);

    // Redelivery resumes after the last finished step and completes.
    const log = vi.spyOn(console, 'log');
    const second = await deliver(captured.sent[0]!, 2);
    expect(second).toEqual({ acked: true, retried: false });
    const steps = log.mock.calls
      .map(([line]) => {
        try {
          return JSON.parse(String(line));
        } catch {
          return {};
        }
      })
      .filter((l) => l.msg === 'document.delete_step' && l.documentId === id)
      .map((l) => l.step);
    log.mockRestore();
    expect(steps).toEqual(['objects', 'caches', 'bm25', 'rows']);
    expect(await rowsLeft(client.tenantId, id)).toBe(0);
    expect(await objectsOf(client.tenantId, id)).toEqual([]);
    expect(await vectorsOf(client.tenantId, id, chunkIds)).toEqual([]);

    // A late duplicate of the message finds nothing to do.
    expect(await deliver(captured.sent[0]!, 3)).toEqual({ acked: true, retried: false });
  });

  // Local vectors live in the chunk rows, so only Vectorize can fail on its own.
  it.runIf(production)(
    'survives the vector store failing: nothing is removed until it is back',
    async () => {
      const client = await vectorTenant('saga-vectors');
      const id = await readyDocument(client, GUIDE.replace('4 tonnes', '5 tonnes'));
      const chunkIds = await chunkIdsOf(client.tenantId, id);
      const captured = capturingQueue();
      await withBindings(
        client,
        `/v1/documents/${id}`,
        { method: 'DELETE' },
        {
          INGEST_QUEUE: captured.queue,
        },
      );
      const outage = vectorOutage(client.tenantId, 'deleteByIds');
      expect(await deliver(captured.sent[0]!, 1, outage)).toEqual({ acked: false, retried: true });
      expect(await deleteEvents(id)).toEqual(['delete.requested:done', 'delete.vectors:failed']);
      expect((await chunkIdsOf(client.tenantId, id)).sort()).toEqual([...chunkIds].sort());
      expect(await deliver(captured.sent[0]!, 2)).toEqual({ acked: true, retried: false });
      expect(await rowsLeft(client.tenantId, id)).toBe(0);
      expect(await vectorsOf(client.tenantId, id, chunkIds)).toEqual([]);
      expect(await objectsOf(client.tenantId, id)).toEqual([]);
    },
  );

  it('an ingest message still queued for a deleted document writes nothing', async () => {
    const client = await newTenant('admin', 'saga-ingest');
    const captured = capturingQueue();
    const upload = await withBindings(
      client,
      '/v1/documents',
      { method: 'POST', headers: { 'content-type': 'text/markdown' }, body: GUIDE },
      { INGEST_QUEUE: captured.queue },
    );
    expect(upload.status).toBe(202);
    const id = upload.body.document.id;
    await withBindings(
      client,
      `/v1/documents/${id}`,
      { method: 'DELETE' },
      {
        INGEST_QUEUE: captured.queue,
      },
    );
    const [ingestMessage, deleteMessage] = captured.sent;
    expect([ingestMessage?.kind, deleteMessage?.kind]).toEqual(['ingest', 'delete']);
    expect(await deliver(ingestMessage!, 1)).toEqual({ acked: true, retried: false });
    expect(await chunkIdsOf(client.tenantId, id)).toEqual([]);
    expect(await statusOf(id)).toBe('deleting');
    expect(await deliver(deleteMessage!, 1)).toEqual({ acked: true, retried: false });
    expect(await rowsLeft(client.tenantId, id)).toBe(0);
    expect(await objectsOf(client.tenantId, id)).toEqual([]);
  });

  it('a DELETE whose enqueue fails stays deleting, and the daily cron finishes it', async () => {
    const client = await newTenant('admin', 'saga-cron');
    const id = await readyDocument(client, GUIDE.replace('600', '700'));
    const chunkIds = await chunkIdsOf(client.tenantId, id);
    const deleted = await withBindings(
      client,
      `/v1/documents/${id}`,
      { method: 'DELETE' },
      {
        INGEST_QUEUE: refusingQueue,
      },
    );
    expect(deleted.status).toBe(202);
    expect((await client.json(`/v1/documents/${id}`)).status).toBe(404);
    expect(await statusOf(id)).toBe('deleting');
    expect(await deleteEvents(id)).toEqual(['delete.requested:done', 'delete.enqueue:failed']);

    // A day later the cron finds it (younger deletions are left to their own messages).
    await withDb((db) =>
      db.execute(
        sql`UPDATE documents SET updated_at = now() - interval '1 day' WHERE id = ${id}::uuid`,
      ),
    );
    const report = await runMaintenance(consumerEnv(), {
      now: Date.now(),
      orphanPrefix: `tenants/${client.tenantId}/`,
    });
    expect(report.errors).toEqual([]);
    expect(report.deletions!.requeued).toBeGreaterThanOrEqual(1);
    await poll('the resumed deletion to finish', async () =>
      (await rowsLeft(client.tenantId, id)) === 0 ? true : undefined,
    );
    expect(await objectsOf(client.tenantId, id)).toEqual([]);
    expect(await vectorsOf(client.tenantId, id, chunkIds)).toEqual([]);
  });

  it('repeating a DELETE whose enqueue failed queues the removal again', async () => {
    const client = await newTenant('admin', 'saga-retry');
    const id = await readyDocument(client, GUIDE.replace('Osprey', 'Plover'));
    const failed = await withBindings(
      client,
      `/v1/documents/${id}`,
      { method: 'DELETE' },
      {
        INGEST_QUEUE: refusingQueue,
      },
    );
    expect(failed.status).toBe(202);
    const again = await client.json(`/v1/documents/${id}`, { method: 'DELETE' });
    expect(again).toMatchObject({ status: 202, body: { id, status: 'deleting' } });
    await poll('the deletion to finish', async () =>
      (await rowsLeft(client.tenantId, id)) === 0 ? true : undefined,
    );
    expect(await objectsOf(client.tenantId, id)).toEqual([]);
    // Gone for good: a third DELETE is a plain 404.
    expect((await client.json(`/v1/documents/${id}`, { method: 'DELETE' })).status).toBe(404);
  });
});
