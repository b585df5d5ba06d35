// Malformed requests that used to crash with a 500 get a 4xx with a stable code.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/http/cursor';
import { newTenant, type TestClient } from './helpers';

function multipart(disposition: string, content = 'hello hostile world') {
  const boundary = `b${crypto.randomUUID().replace(/-/g, '')}`;
  const body =
    `--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: text/plain\r\n\r\n` +
    `${content}\r\n--${boundary}--\r\n`;
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function bucketKeys(tenantId: string) {
  const listed = await env.DOCUMENTS.list({ prefix: `tenants/${tenantId}/` });
  return listed.objects.map((o) => o.key);
}

const upload = (client: TestClient, disposition: string, content?: string) =>
  client.json('/v1/documents', { method: 'POST', ...multipart(disposition, content) });

describe('multipart filename*', () => {
  it('answers 400 to a malformed percent-encoding instead of a URIError 500', async () => {
    const client = await newTenant('editor');
    for (const bad of [
      "filename*=UTF-8''%E0%A4%A",
      "filename*=UTF-8''100%",
      "filename*=UTF-8''%ED%A0%80",
    ]) {
      const res = await upload(client, `form-data; name="file"; ${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
    expect(await bucketKeys(client.tenantId)).toEqual([]);
  });

  it('still decodes a well-formed filename* and does not confuse name with filename', async () => {
    const client = await newTenant('editor');
    const res = await upload(
      client,
      `form-data; filename*=UTF-8''r%C3%A9sum%C3%A9.txt; name="file"`,
      `unique ${crypto.randomUUID()}`,
    );
    expect(res.status).toBe(202);
    expect(res.body.document.title).toBe('résumé.txt');
    const plain = await upload(
      client,
      'form-data; filename="first.txt"; name="file"',
      `order ${crypto.randomUUID()}`,
    );
    expect(plain.status).toBe(202);
    expect(plain.body.document.title).toBe('first.txt');
  });
});

describe('filenames', () => {
  it('strips the directory part, so a path never becomes the title', async () => {
    const client = await newTenant('editor');
    const res = await upload(
      client,
      'form-data; name="file"; filename="C:\\Users\\me\\..\\report.txt"',
      `path ${crypto.randomUUID()}`,
    );
    expect(res.status).toBe(202);
    expect(res.body.document.title).toBe('report.txt');
    const raw = await client.json(
      `/v1/documents?filename=${encodeURIComponent('../../etc/passwd.txt')}`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: `raw ${crypto.randomUUID()}`,
      },
    );
    expect(raw.status).toBe(202);
    expect(raw.body.document.title).toBe('passwd.txt');
    const detail = await client.json(`/v1/documents/${raw.body.document.id}`);
    expect(detail.body.versions[0].filename).toBe('passwd.txt');
  });

  it('refuses over-long names and control characters with 400 invalid_filename, storing nothing', async () => {
    const client = await newTenant('editor');
    const cases = [
      `filename="${'a'.repeat(600)}.txt"`,
      `filename*=UTF-8''evil%0D%0AX-Injected%3A%201.txt`,
      `filename*=UTF-8''nul%00.txt`,
      `filename*=UTF-8''evil%E2%80%AEtxt.exe`,
    ];
    for (const param of cases) {
      const res = await upload(
        client,
        `form-data; name="file"; ${param}`,
        `x ${crypto.randomUUID()}`,
      );
      expect(res.status, param.slice(0, 40)).toBe(400);
      expect(res.body.error.code).toBe('invalid_filename');
    }
    const raw = await client.json(`/v1/documents?filename=${'b'.repeat(513)}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'too long a name',
    });
    expect(raw.status).toBe(400);
    expect(raw.body.error.code).toBe('invalid_filename');
    expect(await bucketKeys(client.tenantId)).toEqual([]);
  });

  it('accepts a name of exactly 512 characters as the title', async () => {
    const client = await newTenant('editor');
    const name = `${'n'.repeat(508)}.txt`;
    const res = await upload(
      client,
      `form-data; name="file"; filename="${name}"`,
      `cap ${crypto.randomUUID()}`,
    );
    expect(res.status).toBe(202);
    expect(res.body.document.title).toBe(name);
  });
});

describe('cursors', () => {
  const uuid = () => crypto.randomUUID();
  it('answers 400 to forged cursors that Postgres would refuse', async () => {
    const client = await newTenant('admin');
    const probes: Array<[string, unknown]> = [
      ['/v1/documents', ['not a date', uuid()]],
      ['/v1/documents?sort=updated', ['+275760-09-13T00:00:00.000Z', uuid()]],
      ['/v1/documents', [new Date().toISOString(), 'not-a-uuid']],
      ['/v1/keys', [new Date().toISOString(), '-'.repeat(36)]],
      ['/v1/keys', ['1', uuid()]],
      ['/v1/conversations', { u: '1', i: uuid() }],
      ['/v1/conversations', { u: '2026-13-45 00:00:00+00', i: uuid() }],
    ];
    for (const [path, value] of probes) {
      const sep = path.includes('?') ? '&' : '?';
      const res = await client.json(`${path}${sep}cursor=${encodeCursor(value)}`);
      expect(res.status, `${path} ${JSON.stringify(value)}`).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
  });

  it('still follows the cursors the API itself hands out', async () => {
    const client = await newTenant('admin');
    for (let i = 0; i < 3; i++)
      await client.json('/v1/documents', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: `page ${i} ${uuid()}`,
      });
    for (const sort of ['created', 'updated', 'title']) {
      const first = await client.json(`/v1/documents?limit=2&sort=${sort}`);
      const next = await client.json(
        `/v1/documents?limit=2&sort=${sort}&cursor=${first.body.nextCursor}`,
      );
      expect(next.status).toBe(200);
      // Ingestion touches updated_at meanwhile, so only the stable sorts have a fixed remainder.
      if (sort !== 'updated') expect(next.body.data).toHaveLength(1);
    }
  });
});

describe('NUL characters', () => {
  it('are refused with 400 invalid_text where they reach Postgres text (found by the fuzzer)', async () => {
    const client = await newTenant('admin');
    const json = (method: string, body: unknown) => ({
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const conversation = await client.json(
      '/v1/conversations',
      json('POST', { title: 'a\u0000b' }),
    );
    expect(conversation.status).toBe(400);
    expect(conversation.body.error.code).toBe('invalid_text');
    const doc = await client.json('/v1/documents', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: `nul ${crypto.randomUUID()}`,
    });
    const patch = await client.json(
      `/v1/documents/${doc.body.document.id}`,
      json('PATCH', { metadata: { k: 'v\u0000' } }),
    );
    expect(patch.status).toBe(400);
    expect(patch.body.error.code).toBe('invalid_text');
  });
});

describe('event properties', () => {
  it('rejects deeply nested properties per event with properties_too_deep', async () => {
    const client = await newTenant('admin');
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const good = {
      event_id: uuid(),
      name: 'doc.viewed',
      user_id: 'u1',
      timestamp: new Date().toISOString(),
      properties: { a: 1 },
    };
    const body = `{"events":[${JSON.stringify(good)},{"event_id":"${uuid()}","name":"x","user_id":"u","timestamp":"${new Date().toISOString()}","properties":{"a":${deep}}}]}`;
    const res = await client.json('/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toEqual([{ index: 1, code: 'properties_too_deep' }]);
  });
  function uuid() {
    return crypto.randomUUID();
  }
});

describe('timestamps Postgres cannot hold', () => {
  // Valid ISO 8601 for zod and JavaScript, but year 0000 (or year 10000 once the offset is
  // applied) for Postgres: a 500 (22008/22009) before, a 400 validation_failed now.
  it('answers 400 on audit, search and key expiry instead of a 500', async () => {
    const admin = await newTenant('admin');
    for (const from of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+14:00']) {
      const audit = await admin.json(`/v1/audit?from=${encodeURIComponent(from)}`);
      expect(audit.status, from).toBe(400);
      expect(audit.body.error.code).toBe('validation_failed');
    }
    const search = await admin.json('/v1/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'anything', filters: { createdFrom: '0000-06-01T00:00:00Z' } }),
    });
    expect(search.status).toBe(400);
    expect(search.body.error.code).toBe('validation_failed');
    const key = await admin.json('/v1/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'far', role: 'viewer', expiresAt: '9999-12-31T23:59:59-14:00' }),
    });
    expect(key.status).toBe(400);
    expect(key.body.error.code).toBe('validation_failed');
    // The edges themselves are fine.
    const edge = await admin.json(`/v1/audit?from=${encodeURIComponent('0001-01-01T00:00:00Z')}`);
    expect(edge.status).toBe(200);
  });
});
