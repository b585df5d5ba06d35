import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { IngestMessage } from '../src/env';
import { hostileCorpus } from '../src/ingest/extract/testing/hostile-corpus';
import worker from './worker';
import { newTenant, uploadText, withDb, type TestClient } from './helpers';
import { waitForStatus } from './support/poll';

/** The document once it is ready (its current version served) or failed. */
const settled = (client: TestClient, id: string) =>
  waitForStatus(client, id, ['ready', 'failed'], 60_000);

const INNOCENT =
  '# Innocent\n\nA harmless note about queue isolation, uploaded beside hostile files.';

function upload(client: TestClient, bytes: Uint8Array, type: string, title: string) {
  return client.json(`/v1/documents?title=${encodeURIComponent(title)}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: bytes,
  });
}

describe('hostile files through the queue', () => {
  it('each hostile file ends in its stable outcome and another tenant’s document still reaches ready', async () => {
    const attacker = await newTenant('editor', 'attacker');
    const victim = await newTenant('editor', 'victim');
    const corpus = hostileCorpus(64 * 1024).filter((f) => !f.slow);
    const uploads = [];
    for (const file of corpus)
      uploads.push({ file, res: await upload(attacker, file.bytes, file.mime, file.name) });
    const innocent = await uploadText(victim, INNOCENT, '?title=Innocent', 'text/markdown');
    expect(innocent.status).toBe(202);

    for (const { file, res } of uploads) {
      if (res.status !== 202) {
        // Refused at upload (the request side's checks): a 4xx with a stable code, never a 5xx.
        expect(res.status, file.name).toBeGreaterThanOrEqual(400);
        expect(res.status, file.name).toBeLessThan(500);
        continue;
      }
      const doc = await settled(attacker, res.body.document.id);
      expect(doc.status, file.name).toBe(file.expect === 'ready' ? 'ready' : 'failed');
      if (file.expect !== 'ready') expect(doc.failureReason, file.name).toBe(file.expect);
      if (file.limit) {
        const failed = doc.history.find((e: any) => e.stage === 'failed');
        expect(failed?.detail?.limit, file.name).toBe(file.limit);
      }
    }
    const doc = await settled(victim, innocent.body.document.id);
    expect(doc.status).toBe('ready');
  }, 300_000);
});

describe('poison isolation', () => {
  async function readyDocument(client: TestClient, text: string) {
    const { body } = await uploadText(client, text, '?title=Doc', 'text/markdown');
    const doc = await settled(client, body.document.id);
    expect(doc.status).toBe('ready');
    return doc.id as string;
  }
  /**
   * Puts a ready document back in the queue state, as if its message were being delivered.
   * `started`: a start mark older than the attempt lease, left by an invocation that died.
   */
  async function requeue(id: string, marks: { crashes?: number; started?: boolean } = {}) {
    await withDb((db) =>
      db.execute(sql`update document_versions set status = 'processing',
        crashes = ${marks.crashes ?? 0},
        attempt_started_at = ${marks.started ? sql`now() - interval '1 hour'` : sql`null`}
        where document_id = ${id}`),
    );
    await withDb((db) =>
      db.execute(sql`update documents set status = 'processing' where id = ${id}`),
    );
  }
  const message = (tenantId: string, documentId: string): IngestMessage => ({
    kind: 'ingest',
    tenantId,
    documentId,
    version: 1,
    enqueuedAt: Date.now(),
  });

  it('fails a message that crashed its invocation twice as processing_crashed; the other tenant’s document in the batch is ready', async () => {
    const poisoner = await newTenant('editor', 'poison');
    const bystander = await newTenant('editor', 'bystander');
    const poisoned = await readyDocument(
      poisoner,
      '# Poison\n\nStands in for a file that kills its invocation.',
    );
    const innocent = await readyDocument(
      bystander,
      '# Bystander\n\nAn innocent document in the same batch.',
    );
    // Two earlier invocations died mid-attempt: one counted, the other's start mark still set.
    await requeue(poisoned, { crashes: 1, started: true });
    await requeue(innocent);
    const batch = createMessageBatch<IngestMessage>('vellum-ingest', [
      {
        id: 'poison',
        timestamp: new Date(),
        attempts: 3,
        body: message(poisoner.tenantId, poisoned),
      },
      {
        id: 'innocent',
        timestamp: new Date(),
        attempts: 1,
        body: message(bystander.tenantId, innocent),
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    // One whole-file message per invocation: the innocent one was re-sent as a new message and
    // acked (no attempt spent), the poisoned one failed and acked.
    expect([...result.explicitAcks].sort()).toEqual(['innocent', 'poison']);
    expect(result.retryMessages).toEqual([]);
    const failed = await settled(poisoner, poisoned);
    expect(failed.status).toBe('failed');
    expect(failed.failureReason).toBe('processing_crashed');
    // The re-sent copy goes through the real queue consumer.
    expect((await settled(bystander, innocent)).status).toBe('ready');
  });

  it('the same whole-file message delivered twice at once: ready, no crash counted', async () => {
    const client = await newTenant('editor', 'twice');
    const id = await readyDocument(client, '# Twice\n\nOne message, delivered twice at once.');
    await requeue(id);
    const deliver = async (messageId: string) => {
      const batch = createMessageBatch<IngestMessage>('vellum-ingest', [
        { id: messageId, timestamp: new Date(), attempts: 1, body: message(client.tenantId, id) },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      return getQueueResult(batch, ctx);
    };
    const results = await Promise.all([deliver('d1'), deliver('d2')]);
    // One processes; the other finds its lease taken and is re-sent for later (acked, no retry).
    expect(results.flatMap((r: { explicitAcks: string[] }) => r.explicitAcks).sort()).toEqual([
      'd1',
      'd2',
    ]);
    expect(results.flatMap((r: { retryMessages: unknown[] }) => r.retryMessages)).toEqual([]);
    expect((await settled(client, id)).status).toBe('ready');
    const rows = await withDb((db) =>
      db.execute(
        sql`select crashes, attempt_started_at from document_versions where document_id = ${id}`,
      ),
    );
    expect(rows.rows[0]).toEqual({ crashes: 0, attempt_started_at: null });
  }, 120_000);

  it('counts one crash and still processes a message whose previous attempt died once', async () => {
    const client = await newTenant('editor', 'once');
    const id = await readyDocument(client, '# Once\n\nThe previous invocation died once.');
    await requeue(id, { started: true });
    const batch = createMessageBatch<IngestMessage>('vellum-ingest', [
      { id: 'm', timestamp: new Date(), attempts: 2, body: message(client.tenantId, id) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['m']);
    expect((await settled(client, id)).status).toBe('ready');
    const rows = await withDb((db) =>
      db.execute(
        sql`select crashes, attempt_started_at from document_versions where document_id = ${id}`,
      ),
    );
    expect(rows.rows[0]).toEqual({ crashes: 1, attempt_started_at: null });
  });
});
