import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { IngestMessage } from '../src/env';
import { buildPdf } from '../src/ingest/extract/testing/build-pdf';
import worker from './worker';
import { newTenant, uploadText, withDb, type TestClient } from './helpers';
import { withFailingInsert } from './support/outage';
import { waitForStatus } from './support/poll';

async function allChunks(client: TestClient, id: string) {
  const out: any[] = [];
  let cursor: number | null = -1;
  while (cursor !== null) {
    const { body }: { body: any } = await client.json(
      `/v1/documents/${id}/chunks?limit=500&cursor=${cursor}`,
    );
    out.push(...body.data);
    cursor = body.nextCursor;
  }
  return out;
}

const GUIDE = [
  '# Operations Guide',
  '',
  'This guide explains how the Vellum platform is operated in production.',
  '',
  '## Installing',
  '',
  ...Array.from(
    { length: 40 },
    (_, i) =>
      `Step ${i}: install component ${i} with care; verify checksum ${i * 7919} before continuing.`,
  ),
  '',
  '## Monitoring',
  '',
  ...Array.from(
    { length: 40 },
    (_, i) =>
      `Metric ${i} reports latency for queue ${i}; alert when it exceeds ${i + 10} ms for five minutes.`,
  ),
].join('\n');

describe('ingestion pipeline', () => {
  it('turns an upload into ready chunks with heading paths and offsets', async () => {
    const client = await newTenant('editor');
    const { body } = await uploadText(client, GUIDE, '?title=Guide', 'text/markdown');
    const doc = await waitForStatus(client, body.document.id, ['ready', 'failed']);
    expect(doc.status).toBe('ready');
    expect(doc.progress.chunksDone).toBe(doc.progress.chunksTotal);
    const chunks = await allChunks(client, doc.id);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.some((c) => c.headingPath.join('/') === 'Operations Guide/Monitoring')).toBe(
      true,
    );
    for (const chunk of chunks) {
      expect(GUIDE.slice(chunk.charStart, chunk.charEnd)).toBe(chunk.text);
    }
    expect(doc.versions[0]).toMatchObject({
      status: 'ready',
      chunkCount: chunks.length,
      chunksEmbedded: chunks.length,
      chunksReused: 0,
    });
    expect(doc.history.map((e: any) => e.stage)).toEqual(
      expect.arrayContaining(['upload', 'processing', 'extract', 'chunk', 'embed', 'ready']),
    );
  });

  it('re-embeds only changed chunks of a new version and retires the old one', async () => {
    const client = await newTenant('editor');
    const { body } = await uploadText(client, GUIDE, '?title=Guide', 'text/markdown');
    const id = body.document.id;
    await waitForStatus(client, id, ['ready']);
    const edited = GUIDE.replace(
      'Metric 39 reports latency for queue 39',
      'Metric 39 reports throughput for queue 39',
    );
    const put = await client.json(`/v1/documents/${id}/content`, {
      method: 'PUT',
      headers: { 'content-type': 'text/markdown' },
      body: edited,
    });
    expect(put.status).toBe(202);
    const doc = await waitForStatus(client, id, ['ready']);
    const v2 = doc.versions.find((v: any) => v.version === 2);
    expect(v2.status).toBe('ready');
    expect(v2.chunksEmbedded).toBeGreaterThan(0);
    expect(v2.chunksReused).toBeGreaterThan(0);
    expect(v2.chunksReused + v2.chunksEmbedded).toBe(v2.chunkCount);
    console.log(
      `version 2: ${v2.chunkCount} chunks, ${v2.chunksReused} reused, ${v2.chunksEmbedded} embedded`,
    );
    expect(v2.chunksEmbedded).toBeLessThan(v2.chunkCount);
    const chunks = await allChunks(client, id);
    expect(chunks.every((c) => c.version === 2)).toBe(true);
    const old = await withDb((db) =>
      db.execute(
        sql`select count(*)::int as n from chunks where document_id = ${id} and version = 1`,
      ),
    );
    expect(old.rows[0]).toEqual({ n: 0 });
  });

  it('is idempotent when a message is delivered twice', async () => {
    const client = await newTenant('editor');
    const { body } = await uploadText(
      client,
      GUIDE.replace('Operations', 'Redelivery'),
      '',
      'text/markdown',
    );
    const id = body.document.id;
    const first = await waitForStatus(client, id, ['ready']);
    const message: IngestMessage = {
      kind: 'ingest',
      tenantId: client.tenantId,
      documentId: id,
      version: 1,
      enqueuedAt: Date.now(),
    };
    // Force a re-run of the same (document, version) as a redelivery would.
    await withDb((db) =>
      db.execute(sql`update document_versions set status = 'processing' where document_id = ${id}`),
    );
    const batch = createMessageBatch<IngestMessage>('vellum-ingest', [
      { id: 'm1', timestamp: new Date(), attempts: 2, body: message },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['m1']);
    const after = await waitForStatus(client, id, ['ready']);
    const count = await withDb((db) =>
      db.execute(
        sql`select count(*)::int as n, count(embedding)::int as v from chunks where document_id = ${id}`,
      ),
    );
    expect(count.rows[0]).toEqual({ n: first.progress.chunksTotal, v: first.progress.chunksTotal });
    expect(after.versions[0].chunksReused).toBe(after.versions[0].chunkCount);
  });

  it('splits a large text file into slices that index the whole text', async () => {
    const client = await newTenant('editor');
    const lines = Array.from(
      { length: 3000 },
      (_, i) =>
        `Line ${i} — the quick brown fox ${i % 97} jumps over lazy dog ${i % 13}. Ünïcødé ✓`,
    );
    const text = lines.join('\n');
    expect(new TextEncoder().encode(text).length).toBeGreaterThan(3 * 65536);
    const { body } = await uploadText(client, text, '?title=Big');
    const doc = await waitForStatus(client, body.document.id, ['ready', 'failed'], 30_000);
    expect(doc.status).toBe('ready');
    expect(
      doc.versions[0].sliceCount ?? doc.history.find((e: any) => e.stage === 'plan')?.detail.slices,
    ).toBeGreaterThan(2);
    const chunks = await allChunks(client, doc.id);
    for (const chunk of chunks) expect(text.slice(chunk.charStart, chunk.charEnd)).toBe(chunk.text);
    const covered = chunks.reduce((max, c) => Math.max(max, c.charEnd), 0);
    expect(covered).toBe(text.length);
  });

  it('ingests a 300-page PDF with every page cited', async () => {
    const client = await newTenant('editor');
    const pages = Array.from({ length: 300 }, (_, p) => [
      `Chapter ${Math.floor(p / 30) + 1}, page ${p + 1}`,
      `Boundary layer note ${p + 1}: transition at Reynolds number ${(p + 1) * 1117}.`,
      `Measured skin friction coefficient ${((p * 37) % 89) / 1000} on panel ${p % 17}.`,
    ]);
    const pdf = buildPdf(pages);
    const res = await client.fetch('/v1/documents?title=Manual', {
      method: 'POST',
      headers: { 'content-type': 'application/pdf' },
      body: pdf,
    });
    expect(res.status).toBe(202);
    const { document } = (await res.json()) as { document: { id: string } };
    const doc = await waitForStatus(client, document.id, ['ready', 'failed'], 60_000);
    expect(doc.status).toBe('ready');
    const chunks = await allChunks(client, doc.id);
    expect(chunks[0].page).toBe(1);
    // Every page's text is indexed, in a chunk that starts on that page or shortly before it.
    for (let page = 1; page <= 300; page++) {
      const marker = `transition at Reynolds number ${page * 1117}.`;
      const holder = chunks.find((c) => c.text.includes(marker));
      expect(holder, `page ${page}`).toBeDefined();
      expect(holder.page).toBeLessThanOrEqual(page);
      expect(holder.page).toBeGreaterThan(page - 20);
    }
  });

  it('fails an encrypted PDF with a stable reason and keeps it listed', async () => {
    const client = await newTenant('editor');
    const pdf =
      '%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R /Encrypt << /Filter /Standard /V 2 >> >>\n%%EOF\n';
    const { body } = await uploadText(client, pdf, '?title=Locked', 'application/pdf');
    const doc = await waitForStatus(client, body.document.id, ['failed', 'ready']);
    expect(doc.status).toBe('failed');
    expect(doc.failureReason).toBe('encrypted_pdf');
    const list = await client.json('/v1/documents?status=failed');
    expect(list.body.data.map((d: any) => d.id)).toContain(doc.id);
  });

  it('fails a type lie cleanly', async () => {
    const client = await newTenant('editor');
    const bytes = new Uint8Array(2048).map((_, i) => (i * 7919) % 256);
    const res = await client.json('/v1/documents?title=Lie', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: bytes,
    });
    const doc = await waitForStatus(client, res.body.document.id, ['failed', 'ready']);
    expect(doc.status).toBe('failed');
    expect(['unsupported_type', 'corrupt_file', 'type_mismatch', 'no_text']).toContain(
      doc.failureReason,
    );
  });

  it('retries transient failures, dead-letters them, and reprocesses on request', async () => {
    const client = await newTenant('editor');
    await withFailingInsert('chunks', client.tenantId, async () => {
      const { body } = await uploadText(
        client,
        GUIDE.replace('Operations', 'Outage'),
        '',
        'text/markdown',
      );
      const doc = await waitForStatus(client, body.document.id, ['failed'], 25_000);
      expect(doc.failureReason).toBe('retries_exhausted');
      const retries = doc.history.filter((e: any) => e.stage === 'retry');
      expect(retries.length).toBeGreaterThanOrEqual(3);
      expect(JSON.stringify(retries)).not.toContain('Step 1');
    });
    const list = await client.json('/v1/documents?status=failed');
    const id = list.body.data[0].id;
    const again = await client.json(`/v1/documents/${id}/reprocess`, { method: 'POST' });
    expect(again.status).toBe(202);
    const doc = await waitForStatus(client, id, ['ready', 'failed']);
    expect(doc.status).toBe('ready');
  });

  it('marks a dead-lettered message as failed', async () => {
    const client = await newTenant('editor');
    const { body } = await uploadText(client, 'dead letter sample', '', 'text/plain');
    const id = body.document.id;
    await waitForStatus(client, id, ['ready', 'failed']);
    await withDb((db) =>
      db.execute(sql`update document_versions set status = 'processing' where document_id = ${id}`),
    );
    const message: IngestMessage = {
      kind: 'ingest',
      tenantId: client.tenantId,
      documentId: id,
      version: 1,
      enqueuedAt: Date.now(),
    };
    const batch = createMessageBatch<IngestMessage>('vellum-ingest-dlq', [
      { id: 'd1', timestamp: new Date(), attempts: 1, body: message },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['d1']);
    const { body: doc } = await client.json(`/v1/documents/${id}`);
    expect(doc.status).toBe('failed');
    expect(doc.failureReason).toBe('retries_exhausted');
  });
});
