import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE, newTenant, uploadText, type TestClient } from './helpers';

// test/wrangler.test.toml: CORS_ORIGINS = "https://app.vellum.test,https://admin.vellum.test"
const ALLOWED = 'https://app.vellum.test';
const OTHER = 'https://evil.example';

function expectSecurityHeaders(res: Response) {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('strict-transport-security')).toMatch(
    /^max-age=\d{8,}; includeSubDomains$/,
  );
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
}

describe('security headers', () => {
  let client: TestClient;
  beforeAll(async () => {
    client = await newTenant('editor', 'headers');
  });

  it('are on public, authenticated, error and file responses', async () => {
    expectSecurityHeaders(await SELF.fetch(`${BASE}/v1/health`));
    expectSecurityHeaders(await SELF.fetch(`${BASE}/v1/documents`)); // 401
    expectSecurityHeaders(await client.fetch('/v1/nope')); // 404
    expectSecurityHeaders(await client.fetch('/v1/documents'));
    const uploaded = await uploadText(client, `file ${crypto.randomUUID()}`);
    const link = await client.json(`/v1/documents/${uploaded.body.document.id}/download`);
    const file = await SELF.fetch(link.body.url);
    expect(file.status).toBe(200);
    expectSecurityHeaders(file);
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin without credentials', async () => {
    const res = await SELF.fetch(`${BASE}/v1/documents`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'authorization',
    );
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('gives an unlisted origin no allow-origin header', async () => {
    const preflight = await SELF.fetch(`${BASE}/v1/documents`, {
      method: 'OPTIONS',
      headers: { origin: OTHER, 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const res = await SELF.fetch(`${BASE}/v1/health`, { headers: { origin: OTHER } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('exposes the rate-limit and request-id headers to allowed origins', async () => {
    const client = await newTenant('viewer', 'cors');
    const res = await client.fetch('/v1/keys/self', { headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const exposed = res.headers.get('access-control-expose-headers') ?? '';
    for (const name of ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id']) {
      expect(exposed).toContain(name);
    }
    expect(res.headers.get('ratelimit')).toMatch(/^"read";r=\d+;t=\d+$/);
  });
});

describe('body and input limits', () => {
  let client: TestClient;
  let docId: string;
  beforeAll(async () => {
    client = await newTenant('admin', 'limits');
    docId = (await uploadText(client, `limits ${crypto.randomUUID()}`)).body.document.id;
  });

  it('refuses JSON bodies over 64 KiB with 413 body_too_large', async () => {
    const big = JSON.stringify({ title: 'x'.repeat(70 * 1024) });
    const res = await client.json(`/v1/documents/${docId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('body_too_large');
  });

  it('counts streamed bodies without a Content-Length too', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 5) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await client.json('/v1/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      // @ts-expect-error workerd needs this for a streamed request body
      duplex: 'half',
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('body_too_large');
  });

  it('leaves uploads to their own bound (MAX_UPLOAD_BYTES), not the JSON limit', async () => {
    const res = await uploadText(client, `${crypto.randomUUID()} ${'y'.repeat(200 * 1024)}`);
    expect(res.status).toBe(202);
  });

  it('rejects oversized strings and arrays in queries and bodies', async () => {
    const long = 'k:' + 'v'.repeat(2000);
    expect((await client.json(`/v1/documents?metadata=${long}`)).status).toBe(400);
    const many = Array.from({ length: 17 }, (_, i) => `metadata=k:${i}`).join('&');
    expect((await client.json(`/v1/documents?${many}`)).status).toBe(400);
    expect((await client.json(`/v1/documents/${docId}/chunks?version=99999999999`)).status).toBe(
      400,
    );
    const patchTags = await client.json(`/v1/documents/${docId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }),
    });
    expect(patchTags.status).toBe(400);
    const settings = await client.json('/v1/tenant/settings', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimits: { read: { capacity: 10_000_000 } } }),
    });
    expect(settings.status).toBe(400);
    const unknownClass = await client.json('/v1/tenant/settings', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimits: { bulk: { capacity: 1 } } }),
    });
    expect(unknownClass.status).toBe(400);
    const auditQuery = await client.json(`/v1/audit?action=${'a'.repeat(65)}`);
    expect(auditQuery.status).toBe(400);
  });
});
