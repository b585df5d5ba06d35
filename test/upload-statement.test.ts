import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newTenant, uploadText, withDb, type TestClient } from './helpers';
import { withFailingInsert } from './support/outage';
import { waitForStatus } from './support/poll';

// An upload's rows are written by one statement of data-modifying CTEs (documents/upload-sql.ts),
// and the corpus version moves only for changes search can see (docs/performance.md).

const LOCKED_PDF =
  '%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R /Encrypt << /Filter /Standard /V 2 >> >>\n%%EOF\n';

async function rowCounts(tenantId: string) {
  const { rows } = await withDb((db) =>
    db.execute<{ docs: number; versions: number; events: number; audits: number }>(sql`
      SELECT (SELECT count(*)::int FROM documents WHERE tenant_id = ${tenantId}::uuid) AS docs,
             (SELECT count(*)::int FROM document_versions WHERE tenant_id = ${tenantId}::uuid) AS versions,
             (SELECT count(*)::int FROM ingestion_events WHERE tenant_id = ${tenantId}::uuid) AS events,
             (SELECT count(*)::int FROM audit_log WHERE tenant_id = ${tenantId}::uuid
                AND action LIKE 'document.%') AS audits`),
  );
  return rows[0]!;
}

const corpusVersionOf = async (tenantId: string) =>
  (
    await withDb((db) =>
      db.execute<{ v: number }>(
        sql`SELECT corpus_version::int AS v FROM tenants WHERE id = ${tenantId}::uuid`,
      ),
    )
  ).rows[0]!.v;

async function objectCount(tenantId: string) {
  return (await env.DOCUMENTS.list({ prefix: `tenants/${tenantId}/` })).objects.length;
}

/** Makes the ingestion-event insert fail for one tenant: the last of the upload's writes. */
function failEventInsertsFor(tenantId: string, work: () => Promise<void>) {
  return withFailingInsert(
    'ingestion_events',
    tenantId,
    work,
    `if new.stage = 'upload' then raise exception 'injected failure'; end if;`,
  );
}

describe('upload in one statement', () => {
  it('writes the document, version, event and audit rows together', async () => {
    const client = await newTenant('editor', 'upload-one');
    const res = await uploadText(client, 'one statement body', '?title=One&tags=x,y');
    expect(res.status).toBe(202);
    expect(res.body.document).toMatchObject({ title: 'One', tags: ['x', 'y'], currentVersion: 1 });
    expect(typeof res.body.document.createdAt).toBe('string');
    expect(await rowCounts(client.tenantId)).toEqual({
      docs: 1,
      versions: 1,
      events: 1,
      audits: 1,
    });
  });

  it('leaves no rows and no object when a later write of the statement fails', async () => {
    const client = await newTenant('editor', 'upload-atomic');
    await failEventInsertsFor(client.tenantId, async () => {
      const res = await uploadText(client, 'this upload must vanish', '?title=Gone');
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('internal_error');
    });
    expect(await rowCounts(client.tenantId)).toEqual({
      docs: 0,
      versions: 0,
      events: 0,
      audits: 0,
    });
    expect(await objectCount(client.tenantId)).toBe(0);
    // Nothing half-written blocks the same content afterwards.
    const again = await uploadText(client, 'this upload must vanish', '?title=Back');
    expect(again.status).toBe(202);
    expect(again.body.duplicate).toBe(false);
  });

  it('leaves the document as it was when a new version fails to write', async () => {
    const client = await newTenant('editor', 'version-atomic');
    const first = await uploadText(client, 'version one body', '?title=V');
    const id = first.body.document.id;
    await waitForStatus(client, id, ['ready'], 30_000);
    const before = (await client.json(`/v1/documents/${id}`)).body;
    await failEventInsertsFor(client.tenantId, async () => {
      const res = await client.json(`/v1/documents/${id}/content`, {
        method: 'PUT',
        headers: { 'content-type': 'text/markdown' },
        body: '# Version two',
      });
      expect(res.status).toBe(500);
    });
    const after = (await client.json(`/v1/documents/${id}`)).body;
    expect(after).toMatchObject({
      currentVersion: 1,
      sha256: before.sha256,
      mimeType: before.mimeType,
      status: 'ready',
    });
    expect(after.versions).toHaveLength(1);
    expect(await objectCount(client.tenantId)).toBe(1);
  });

  it('answers a duplicate with the holder and a version race or held content with 409', async () => {
    const client = await newTenant('editor', 'upload-dup');
    const a = await uploadText(client, 'content a');
    const b = await uploadText(client, 'content b');
    const dup = await uploadText(client, 'content a', '?title=Again');
    expect(dup.status).toBe(200);
    expect(dup.body).toMatchObject({ duplicate: true, document: { id: a.body.document.id } });
    const held = await client.json(`/v1/documents/${b.body.document.id}/content`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'content a',
    });
    expect(held.status).toBe(409);
    expect(held.body.error.details).toEqual({ documentId: a.body.document.id });
    expect(await rowCounts(client.tenantId)).toMatchObject({ docs: 2, versions: 2 });
  });
});

describe('corpus version', () => {
  it('does not move for a document that is never served: upload, patch, delete', async () => {
    const client = await newTenant('editor', 'corpus-unserved');
    const { body } = await uploadText(client, LOCKED_PDF, '?title=Locked', 'application/pdf');
    const doc = await waitForStatus(client, body.document.id, ['failed'], 30_000);
    expect(doc.status).toBe('failed');
    expect(await corpusVersionOf(client.tenantId)).toBe(0);
    const patched = await client.json(`/v1/documents/${doc.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"Still locked"}',
    });
    expect(patched.status).toBe(200);
    expect(await corpusVersionOf(client.tenantId)).toBe(0);
    expect((await client.fetch(`/v1/documents/${doc.id}`, { method: 'DELETE' })).status).toBe(202);
    expect(await corpusVersionOf(client.tenantId)).toBe(0);
  });

  it('moves when a document is promoted, and when a served one is patched or deleted', async () => {
    const client = await newTenant('editor', 'corpus-served');
    const { body } = await uploadText(client, 'served text body', '?title=Served');
    await waitForStatus(client, body.document.id, ['ready'], 30_000);
    expect(await corpusVersionOf(client.tenantId)).toBe(1);
    await client.json(`/v1/documents/${body.document.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"Renamed"}',
    });
    expect(await corpusVersionOf(client.tenantId)).toBe(2);
    await client.fetch(`/v1/documents/${body.document.id}`, { method: 'DELETE' });
    expect(await corpusVersionOf(client.tenantId)).toBe(3);
  });
});
