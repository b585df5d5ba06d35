// Injected faults: Postgres down or failing, the queue refusing, R2 failing mid-stream, queue
// redelivery. Outcome each time: a clean 5xx with a stable code and nothing left behind, or an
// idempotent result. Faults already covered elsewhere are listed in docs/security.md.
import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import type { Env, EventsMessage, IngestQueueMessage } from '../src/env';
import { streamToR2 } from '../src/storage/stream-to-r2';
import worker from './worker';
import { BASE, newTenant, uploadText, withDb, type TestClient } from './helpers';
import { eventsMessage } from './support/events';
import { withFailingInsert } from './support/outage';
import { waitForStatus } from './support/poll';

const app = createApp();

async function request(
  client: TestClient,
  path: string,
  init: RequestInit,
  over: Partial<Env> = {},
) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${client.key}`);
  const ctx = createExecutionContext();
  const res = await app.request(
    `${BASE}${path}`,
    { ...init, headers },
    { ...(env as Env), ...over },
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const objectsOf = async (tenantId: string) =>
  (await env.DOCUMENTS.list({ prefix: `tenants/${tenantId}/` })).objects.map((o) => o.key);
const rowsOf = async (tenantId: string) =>
  (
    await withDb((db) =>
      db.execute<{ n: number }>(
        sql`SELECT (SELECT count(*) FROM documents WHERE tenant_id = ${tenantId})::int
              + (SELECT count(*) FROM document_versions WHERE tenant_id = ${tenantId})::int AS n`,
      ),
    )
  ).rows[0]!.n;

const text = (label: string) => `${label} ${crypto.randomUUID()} `.repeat(20);
const post = (body: string) => ({
  method: 'POST',
  headers: { 'content-type': 'text/plain' },
  body,
});

describe('Postgres faults during an upload', () => {
  it('unreachable before the upload streams: 503 database_unavailable, nothing stored', async () => {
    const client = await newTenant('editor');
    // The key is now cached in this isolate: authentication needs no Postgres.
    expect((await request(client, '/v1/documents', {})).status).toBe(200);
    const down = {
      DATABASE_URL: 'postgres://vellum:x@localhost:1/vellum',
      DB_WS_PROXY: 'localhost:1',
    };
    const res = await request(client, '/v1/documents', post(text('down')), down);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('database_unavailable');
    expect(res.body.error.message).not.toMatch(/localhost|network/i);
    expect(await objectsOf(client.tenantId)).toEqual([]);
  });

  it('failing at commit, after the bytes reached R2: 503, and the object is deleted', async () => {
    const client = await newTenant('editor');
    // 57P01 is what a client sees when Postgres shuts down under it.
    const res = await withFailingInsert(
      'documents',
      client.tenantId,
      () => request(client, '/v1/documents', post(text('commit'))),
      `raise exception 'injected shutdown' using errcode = '57P01';`,
    );
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('database_unavailable');
    expect(await objectsOf(client.tenantId)).toEqual([]);
    expect(await rowsOf(client.tenantId)).toBe(0);
  });
});

describe('queue send failure', () => {
  const refusing = {
    send: () => Promise.reject(new Error('queue down')),
    sendBatch: () => Promise.reject(new Error('queue down')),
  } as unknown as Queue<IngestQueueMessage>;

  it('a first upload: 503 queue_unavailable, no row and no object', async () => {
    const client = await newTenant('editor');
    const res = await request(client, '/v1/documents', post(text('q1')), {
      INGEST_QUEUE: refusing,
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('queue_unavailable');
    expect(await objectsOf(client.tenantId)).toEqual([]);
    expect(await rowsOf(client.tenantId)).toBe(0);
  });

  it('a new version: 503 queue_unavailable, the document is back on version 1 with its bytes', async () => {
    const client = await newTenant('editor');
    const created = await uploadText(client, text('v1'));
    const id = created.body.document.id;
    const before = await objectsOf(client.tenantId);
    const res = await request(
      client,
      `/v1/documents/${id}/content`,
      { ...post(text('v2')), method: 'PUT' },
      { INGEST_QUEUE: refusing },
    );
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('queue_unavailable');
    expect(await objectsOf(client.tenantId)).toEqual(before);
    const detail = await client.json(`/v1/documents/${id}`);
    expect(detail.body.currentVersion).toBe(1);
    expect(detail.body.versions.map((v: any) => v.version)).toEqual([1]);
  });
});

describe('R2 failures', () => {
  it('a put that fails: 503 storage_unavailable and nothing stored', async () => {
    const client = await newTenant('editor');
    const failing = new Proxy(env.DOCUMENTS, {
      get(target, prop) {
        if (prop === 'put') return () => Promise.reject(new Error('R2 internal error'));
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const res = await request(client, '/v1/documents', post(text('r2')), { DOCUMENTS: failing });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('storage_unavailable');
    expect(await objectsOf(client.tenantId)).toEqual([]);
    expect(await rowsOf(client.tenantId)).toBe(0);
  });

  it('a multipart part that fails mid-stream: the upload is aborted, nothing is left', async () => {
    const key = `tenants/${crypto.randomUUID()}/documents/${crypto.randomUUID()}/v1-x`;
    let aborted = false;
    let parts = 0;
    const bucket = new Proxy(env.DOCUMENTS, {
      get(target, prop) {
        if (prop === 'createMultipartUpload')
          return async (k: string, o: R2MultipartOptions) => {
            const upload = await target.createMultipartUpload(k, o);
            return {
              uploadPart: (n: number, data: Uint8Array) => {
                parts += 1;
                return n >= 2
                  ? Promise.reject(new Error('R2 part failed'))
                  : upload.uploadPart(n, data);
              },
              abort: async () => {
                aborted = true;
                await upload.abort();
              },
              complete: (p: R2UploadedPart[]) => upload.complete(p),
            };
          };
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const body = new Blob([new Uint8Array(5000).fill(65)]).stream();
    await expect(
      streamToR2(bucket, key, body, {
        maxBytes: 1 << 20,
        contentType: 'text/plain',
        partBytes: 1024,
      }),
    ).rejects.toMatchObject({ status: 503, code: 'storage_unavailable' });
    expect(parts).toBe(2);
    expect(aborted).toBe(true);
    expect(await env.DOCUMENTS.head(key)).toBeNull();
  });
});

describe('Postgres failing mid-ingest, then back', () => {
  it('ends ready with no duplicated chunks or vectors', async () => {
    const client = await newTenant('editor');
    const seq = `fault_seq_${client.tenantId.replace(/-/g, '')}`;
    await withDb((db) => db.execute(sql.raw(`create sequence ${seq}`)));
    // The first chunk insert fails as a dropped connection would; the sequence is not
    // transactional, so every later attempt (the queue retry) goes through.
    const doc = await withFailingInsert(
      'chunks',
      client.tenantId,
      async () => {
        const { body } = await uploadText(
          client,
          Array.from(
            { length: 60 },
            (_, i) => `Paragraph ${i} about outage recovery ${i * 31}.`,
          ).join('\n\n'),
        );
        return waitForStatus(client, body.document.id, ['ready', 'failed'], 25_000);
      },
      `if nextval('${seq}') = 1 then raise exception 'injected outage' using errcode = '08006'; end if;`,
    );
    await withDb((db) => db.execute(sql.raw(`drop sequence ${seq}`)));
    expect(doc.status).toBe('ready');
    expect(doc.history.some((e: any) => e.stage === 'retry')).toBe(true);
    const counts = await withDb((db) =>
      db.execute<{ n: number; distinct_ordinals: number; vectors: number }>(sql`
        SELECT count(*)::int AS n, count(DISTINCT (version, ordinal))::int AS distinct_ordinals,
               count(embedding)::int AS vectors
        FROM chunks WHERE document_id = ${doc.id}`),
    );
    expect(counts.rows[0]).toEqual({
      n: doc.progress.chunksTotal,
      distinct_ordinals: doc.progress.chunksTotal,
      vectors: doc.progress.chunksTotal,
    });
  });
});

describe('queue redelivery', () => {
  it('an events message delivered twice stores and counts each event once', async () => {
    const client = await newTenant('admin');
    const message = eventsMessage(client.tenantId, 3);
    for (const attempt of [1, 2]) {
      const batch = createMessageBatch<EventsMessage>('vellum-events', [
        { id: `e${attempt}`, timestamp: new Date(), attempts: attempt, body: message },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch as never, env, ctx);
      await getQueueResult(batch, ctx);
    }
    const stored = await withDb((db) =>
      db.execute<{ events: number; counted: number }>(sql`
        SELECT (SELECT count(*) FROM product_events WHERE tenant_id = ${client.tenantId})::int AS events,
               (SELECT coalesce(sum(count), 0) FROM product_events_daily WHERE tenant_id = ${client.tenantId})::int AS counted`),
    );
    expect(stored.rows[0]).toEqual({ events: 3, counted: 3 });
  });
});

describe('sliced ingest redelivery', () => {
  const sliced = () =>
    Array.from(
      { length: 2400 },
      (_, i) => `Line ${i}: slice redelivery keeps chunk ${i % 89} and vector ${i % 31} unique.`,
    ).join('\n');

  /** A ready sliced document put back as if its last slice's message were still in flight. */
  async function lastSliceInFlight(client: TestClient) {
    const { body } = await uploadText(client, sliced(), '?title=Sliced');
    const doc = await waitForStatus(client, body.document.id, ['ready'], 90_000);
    const id = doc.id as string;
    const slices = await withDb((db) =>
      db.execute<{ slice_index: number; byte_start: number; byte_end: number }>(
        sql`select slice_index, byte_start::int, byte_end::int from ingest_slices
            where document_id = ${id} order by slice_index desc`,
      ),
    );
    expect(slices.rows.length).toBeGreaterThan(2);
    const last = slices.rows[0]!;
    await withDb(async (db) => {
      await db.execute(sql`update ingest_slices set done_at = null
        where document_id = ${id} and slice_index = ${last.slice_index}`);
      await db.execute(
        sql`update document_versions set status = 'processing' where document_id = ${id}`,
      );
      await db.execute(sql`update documents set status = 'processing' where id = ${id}`);
    });
    const message: IngestQueueMessage = {
      kind: 'ingest',
      tenantId: client.tenantId,
      documentId: id,
      version: 1,
      slice: { index: last.slice_index, start: last.byte_start, end: last.byte_end },
      bytes: last.byte_end - last.byte_start,
      enqueuedAt: Date.now(),
    };
    return { id, chunksTotal: doc.progress.chunksTotal as number, message };
  }

  async function deliver(message: IngestQueueMessage, id: string) {
    const batch = createMessageBatch<IngestQueueMessage>('vellum-ingest', [
      { id, timestamp: new Date(), attempts: 1, body: message },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, env, ctx);
    return getQueueResult(batch, ctx);
  }

  /** Chunks, vectors, completions and crash marks of the document after redelivery. */
  async function outcome(id: string) {
    const { rows } = await withDb((db) =>
      db.execute(sql`
        select (select count(*) from chunks where document_id = ${id})::int as chunks,
               (select count(distinct (version, ordinal)) from chunks where document_id = ${id})::int as ordinals,
               (select count(embedding) from chunks where document_id = ${id})::int as vectors,
               (select count(*) from ingestion_events where document_id = ${id} and stage = 'ready')::int as readies,
               (select count(*) from ingest_slices where document_id = ${id} and done_at is null)::int as open_slices,
               v.crashes, v.attempt_started_at is not null as marked, v.status
        from document_versions v where v.document_id = ${id}`),
    );
    return rows[0];
  }

  /** The `outcome` of a version whose redelivered slice was completed once and nothing more. */
  const completedOnce = (chunksTotal: number) => ({
    chunks: chunksTotal,
    ordinals: chunksTotal,
    vectors: chunksTotal,
    // The first upload's completion plus the redelivered slice's; the duplicate is skipped.
    readies: 2,
    open_slices: 0,
    crashes: 0,
    marked: false,
    status: 'ready',
  });

  it('one slice message delivered twice in a row: ready once more, nothing duplicated, no crash', async () => {
    const client = await newTenant('editor');
    const { id, chunksTotal, message } = await lastSliceInFlight(client);
    for (const attempt of ['s1', 's2'])
      expect((await deliver(message, attempt)).explicitAcks).toEqual([attempt]);
    expect(await outcome(id)).toEqual(completedOnce(chunksTotal));
  }, 180_000);

  it('the same slice message delivered twice at once completes the version once, no crash', async () => {
    const client = await newTenant('editor');
    const { id, chunksTotal, message } = await lastSliceInFlight(client);
    const results = await Promise.all([deliver(message, 'c1'), deliver(message, 'c2')]);
    expect(results.flatMap((r: { explicitAcks: string[] }) => r.explicitAcks).sort()).toEqual([
      'c1',
      'c2',
    ]);
    expect(results.flatMap((r: { retryMessages: unknown[] }) => r.retryMessages)).toEqual([]);
    expect(await outcome(id)).toEqual(completedOnce(chunksTotal));
    const doc = await waitForStatus(client, id, ['ready']);
    expect(doc.progress.chunksDone).toBe(chunksTotal);
  }, 180_000);
});
