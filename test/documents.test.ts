import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/env';
import { newTenant, uploadText, withBindings, type TestClient } from './helpers';
import { poll, waitForStatus } from './support/poll';

function multipart(
  fields: Record<string, string>,
  file?: { name: string; type: string; body: string | Uint8Array },
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  if (file) form.set('file', new File([file.body], file.name, { type: file.type }));
  return form;
}

async function objectCount(tenantId: string) {
  const list = await env.DOCUMENTS.list({ prefix: `tenants/${tenantId}/` });
  return list.objects.length;
}

describe('POST /v1/documents', () => {
  it('stores a raw upload, queues it and hashes the content', async () => {
    const client = await newTenant('editor');
    const res = await uploadText(client, 'hello vellum', '?title=Hello&tags=a,b');
    expect(res.status).toBe(202);
    expect(res.body.duplicate).toBe(false);
    expect(res.body.document).toMatchObject({
      title: 'Hello',
      mimeType: 'text/plain',
      byteSize: 12,
      status: 'queued',
      tags: ['a', 'b'],
      currentVersion: 1,
    });
    const expected = await crypto.subtle.digest(
      'SHA-256',
      new TextEncoder().encode('hello vellum'),
    );
    expect(res.body.document.sha256).toBe(
      [...new Uint8Array(expected)].map((b) => b.toString(16).padStart(2, '0')).join(''),
    );
    // Each upload has its own key (v1-<uuid>); the version row names it.
    const listed = await env.DOCUMENTS.list({
      prefix: `tenants/${client.tenantId}/documents/${res.body.document.id}/v1-`,
    });
    expect(listed.objects).toHaveLength(1);
    const object = await env.DOCUMENTS.get(listed.objects[0]!.key);
    expect(await object?.text()).toBe('hello vellum');
  });

  it('accepts multipart with title, tags and metadata', async () => {
    const client = await newTenant('editor');
    const res = await client.json('/v1/documents', {
      method: 'POST',
      body: multipart(
        {
          title: 'Guide',
          tags: 'ops,guide',
          metadata: JSON.stringify({ team: 'search', level: 2 }),
        },
        { name: 'guide.md', type: 'text/markdown', body: '# Guide\n\nSome text.' },
      ),
    });
    expect(res.status).toBe(202);
    expect(res.body.document).toMatchObject({
      title: 'Guide',
      mimeType: 'text/markdown',
      tags: ['ops', 'guide'],
      metadata: { team: 'search', level: 2 },
    });
  });

  it('infers the type from the file extension when the part is octet-stream', async () => {
    const client = await newTenant('editor');
    const res = await client.json('/v1/documents', {
      method: 'POST',
      body: multipart({}, { name: 'notes.md', type: 'application/octet-stream', body: '# Notes' }),
    });
    expect(res.status).toBe(202);
    expect(res.body.document.mimeType).toBe('text/markdown');
    expect(res.body.document.title).toBe('notes.md');
  });

  it('deduplicates identical content within a tenant, not across tenants', async () => {
    const a = await newTenant('editor');
    const b = await newTenant('editor');
    const first = await uploadText(a, 'same bytes');
    const second = await uploadText(a, 'same bytes', '?title=Again');
    expect(second.status).toBe(200);
    expect(second.body.duplicate).toBe(true);
    expect(second.body.document.id).toBe(first.body.document.id);
    expect(await objectCount(a.tenantId)).toBe(1);
    const other = await uploadText(b, 'same bytes');
    expect(other.status).toBe(202);
  });

  it('replays the response for a repeated Idempotency-Key', async () => {
    const client = await newTenant('editor');
    const headers = { 'content-type': 'text/plain', 'idempotency-key': 'upload-1' };
    const first = await client.fetch('/v1/documents', {
      method: 'POST',
      headers,
      body: 'idempotent body',
    });
    const again = await client.fetch('/v1/documents', {
      method: 'POST',
      headers,
      body: 'idempotent body',
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as any).document.id).toBe(
      ((await first.json()) as any).document.id,
    );
  });

  it.each([
    ['an empty file', '', 'text/plain', 400, 'empty_file'],
    ['a disallowed type', 'MZ....', 'application/x-msdownload', 415, 'unsupported_media_type'],
  ])('rejects %s', async (_label, body, type, status, code) => {
    const client = await newTenant('editor');
    const res = await uploadText(client, body, '', type);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    expect(await objectCount(client.tenantId)).toBe(0);
  });

  it('rejects a file over the configured maximum and leaves nothing behind', async () => {
    const client = await newTenant('editor');
    const big = new Uint8Array(Number(env.MAX_UPLOAD_BYTES) + 10).fill(97);
    // A streamed body has no Content-Length, so the limit is enforced mid-stream.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < big.length; i += 65536) controller.enqueue(big.subarray(i, i + 65536));
        controller.close();
      },
    });
    const res = await client.json('/v1/documents', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: stream,
      // @ts-expect-error workerd accepts duplex for streamed request bodies
      duplex: 'half',
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('file_too_large');
    expect(await objectCount(client.tenantId)).toBe(0);
    const list = await client.json('/v1/documents');
    expect(list.body.data).toHaveLength(0);
  });

  it('rejects bad metadata, unknown fields and a missing file part', async () => {
    const client = await newTenant('editor');
    const badMeta = await uploadText(client, 'x', '?metadata=notjson');
    expect(badMeta.status).toBe(400);
    expect(badMeta.body.error.code).toBe('validation_failed');
    const unknown = await uploadText(client, 'x', '?colour=red');
    expect(unknown.body.error.code).toBe('validation_failed');
    const noFile = await client.json('/v1/documents', {
      method: 'POST',
      body: multipart({ title: 'x' }),
    });
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.code).toBe('validation_failed');
    expect(await objectCount(client.tenantId)).toBe(0);
  });

  it('requires a valid API key', async () => {
    const client = await newTenant('editor');
    const res = await client.json('/v1/documents', {
      headers: { authorization: 'Bearer vk_test_nope' },
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    const missing = await client.json('/v1/documents', { headers: { authorization: '' } });
    expect(missing.status).toBe(401);
  });
});

async function seed(client: TestClient, n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await uploadText(
      client,
      `document number ${i}`,
      `?title=Doc%20${String(i).padStart(2, '0')}&tags=${i % 2 ? 'odd' : 'even'}&metadata=${encodeURIComponent(JSON.stringify({ n: String(i % 3) }))}`,
    );
    ids.push(res.body.document.id);
  }
  return ids;
}

describe('GET /v1/documents', () => {
  it('pages with a cursor, sorts and filters', async () => {
    const client = await newTenant('viewer');
    const writer = await newTenant('editor');
    Object.assign(writer, {});
    // Seed through an editor key on the same tenant.
    const { addKey } = await import('./helpers');
    const editor = await addKey(client, 'editor');
    await seed(editor, 5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await client.json(
        `/v1/documents?limit=2&sort=title&order=asc${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((d: any) => d.title));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Doc 00', 'Doc 01', 'Doc 02', 'Doc 03', 'Doc 04']);
    const odd = await client.json('/v1/documents?tag=odd');
    expect(odd.body.data.map((d: any) => d.title).sort()).toEqual(['Doc 01', 'Doc 03']);
    const meta = await client.json('/v1/documents?metadata=n:0');
    expect(meta.body.data.map((d: any) => d.title).sort()).toEqual(['Doc 00', 'Doc 03']);
    const queued = await client.json('/v1/documents?status=failed');
    expect(queued.body.data).toHaveLength(0);
    const bad = await client.json('/v1/documents?limit=1000');
    expect(bad.status).toBe(400);
    const badCursor = await client.json('/v1/documents?cursor=zzz');
    expect(badCursor.body.error.code).toBe('bad_request');
  });
});

describe('document lifecycle', () => {
  it('reads, patches, versions, downloads and deletes', async () => {
    const client = await newTenant('editor');
    const created = await uploadText(client, 'version one', '?title=Life');
    const id = created.body.document.id;

    const detail = await client.json(`/v1/documents/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.versions).toHaveLength(1);
    expect(detail.body.history[0]).toMatchObject({ stage: 'upload', status: 'queued' });

    const patched = await client.json(`/v1/documents/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Renamed', tags: ['x'], metadata: { k: 'v' } }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: 'Renamed', tags: ['x'], metadata: { k: 'v' } });

    const v2 = await client.json(`/v1/documents/${id}/content`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'version two',
    });
    expect(v2.status).toBe(202);
    expect(v2.body.document.currentVersion).toBe(2);
    const same = await client.json(`/v1/documents/${id}/content`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'version two',
    });
    expect(same.body.duplicate).toBe(true);

    for (const [version, text] of [
      [1, 'version one'],
      [2, 'version two'],
    ] as const) {
      const link = await client.json(`/v1/documents/${id}/download?version=${version}`);
      expect(link.status).toBe(200);
      const path = new URL(link.body.url).pathname;
      const file = await client.fetch(path, { headers: { authorization: '' } });
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('text/plain');
      expect(await file.text()).toBe(text);
    }

    const chunks = await client.json(`/v1/documents/${id}/chunks`);
    expect(chunks.status).toBe(200);

    const deleted = await client.fetch(`/v1/documents/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(202);
    expect(await deleted.json()).toEqual({ id, status: 'deleting' });
    // Hidden at once; its files go with the queued deletion saga.
    expect((await client.json(`/v1/documents/${id}`)).status).toBe(404);
    await poll('the stored files to be deleted', async () =>
      (await objectCount(client.tenantId)) === 0 ? true : undefined,
    );
  });

  it('rejects malformed JSON, unknown fields and bad ids with stable codes', async () => {
    const client = await newTenant('editor');
    const { body } = await uploadText(client, 'patch me');
    const id = body.document.id;
    const patch = (payload: string) =>
      client.json(`/v1/documents/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: payload,
      });
    expect((await patch('{"title":')).body.error.code).toBe('malformed_json');
    expect((await patch('{"owner":"me"}')).body.error.code).toBe('validation_failed');
    expect((await patch('{}')).body.error.code).toBe('validation_failed');
    const badId = await client.json('/v1/documents/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body.error.code).toBe('invalid_id');
    const missing = await client.json(`/v1/documents/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('refuses forged and expired download tokens', async () => {
    const client = await newTenant('editor');
    const { body } = await uploadText(client, 'secret file');
    const link = await client.json(`/v1/documents/${body.document.id}/download`);
    const token = new URL(link.body.url).pathname.split('/').pop()!;
    const [payload, kid, mac] = token.split('.');
    const forged = `${payload}.${kid}.${mac!.slice(0, -2)}AA`;
    const res = await client.json(`/v1/files/${forged}`, { headers: { authorization: '' } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('invalid_token');
    const { signDownload } = await import('../src/documents/download-token');
    const expired = await signDownload(
      { t: client.tenantId, d: body.document.id, v: 1, exp: Math.floor(Date.now() / 1000) - 5 },
      env.SIGNING_KEYS,
    );
    const late = await client.json(`/v1/files/${expired}`, { headers: { authorization: '' } });
    expect(late.status).toBe(403);
    expect(late.body.error.code).toBe('expired_token');
  });
});

describe('POST /v1/documents/{id}/reprocess', () => {
  it('leaves the document as it was when the queue refuses the message', async () => {
    const client = await newTenant('editor');
    // Bytes that are not text fail ingestion for good: a document to reprocess.
    const bytes = new Uint8Array(2048).map((_, i) => (i * 7919) % 256);
    const { body } = await uploadText(client, bytes as unknown as string);
    const id = body.document.id;
    const failed = await waitForStatus(client, id, ['failed']);
    const refusing = {
      async send() {
        throw new Error('Queue send failed: 503 Service Unavailable');
      },
    } as unknown as Env['INGEST_QUEUE'];
    const refused = await withBindings(
      client,
      `/v1/documents/${id}/reprocess`,
      { method: 'POST' },
      { INGEST_QUEUE: refusing },
    );
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('queue_unavailable');
    // Not left `queued` (where nothing would ever pick it up and it would count against the
    // tenant's ingest backlog): back to failed, with its reason.
    const after = (await client.json(`/v1/documents/${id}`)).body;
    expect(after).toMatchObject({ status: 'failed', failureReason: failed.failureReason });
    expect(after.versions[0]).toMatchObject({ status: 'failed' });
    expect((await client.json('/v1/documents?status=queued')).body.data).toEqual([]);
    // And a reprocess with the queue back is accepted, not refused as already queued.
    expect((await client.json(`/v1/documents/${id}/reprocess`, { method: 'POST' })).status).toBe(
      202,
    );
  });
});

describe('tenant isolation', () => {
  it('tenant A cannot read, list, download, patch, version or delete tenant B documents', async () => {
    const a = await newTenant('admin');
    const b = await newTenant('admin');
    const { body } = await uploadText(b, 'tenant b private text', '?title=Private');
    const id = body.document.id;
    const attempts: Array<[string, RequestInit?]> = [
      [`/v1/documents/${id}`],
      [`/v1/documents/${id}/download`],
      [`/v1/documents/${id}/chunks`],
      [
        `/v1/documents/${id}`,
        { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"title":"x"}' },
      ],
      [
        `/v1/documents/${id}/content`,
        { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hijack' },
      ],
      [`/v1/documents/${id}`, { method: 'DELETE' }],
    ];
    for (const [path, init] of attempts) {
      const res = await a.json(path, init);
      expect(res.status, `${init?.method ?? 'GET'} ${path}`).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('Private');
    }
    const list = await a.json('/v1/documents');
    expect(list.body.data).toHaveLength(0);
    const still = await b.json(`/v1/documents/${id}`);
    expect(still.body.title).toBe('Private');
    expect(still.body.currentVersion).toBe(1);
  });
});
