import { beforeAll, describe, expect, it } from 'vitest';
import { addKey, newTenant, uploadText, type TestClient } from './helpers';

const jsonBody = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Every route that takes an id, with the id type it takes. */
const ID_ROUTES: {
  route: string;
  kind: 'document' | 'key';
  request(id: string): [string, RequestInit?];
}[] = [
  { route: 'GET /v1/documents/:id', kind: 'document', request: (id) => [`/v1/documents/${id}`] },
  {
    route: 'PATCH /v1/documents/:id',
    kind: 'document',
    request: (id) => [`/v1/documents/${id}`, jsonBody('PATCH', { title: 'stolen' })],
  },
  {
    route: 'DELETE /v1/documents/:id',
    kind: 'document',
    request: (id) => [`/v1/documents/${id}`, { method: 'DELETE' }],
  },
  {
    route: 'PUT /v1/documents/:id/content',
    kind: 'document',
    request: (id) => [
      `/v1/documents/${id}/content`,
      { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'overwrite' },
    ],
  },
  {
    route: 'GET /v1/documents/:id/download',
    kind: 'document',
    request: (id) => [`/v1/documents/${id}/download`],
  },
  {
    route: 'GET /v1/documents/:id/chunks',
    kind: 'document',
    request: (id) => [`/v1/documents/${id}/chunks`],
  },
  {
    route: 'POST /v1/keys/:id/rotate',
    kind: 'key',
    request: (id) => [`/v1/keys/${id}/rotate`, jsonBody('POST', { gracePeriodSeconds: 0 })],
  },
  {
    route: 'DELETE /v1/keys/:id',
    kind: 'key',
    request: (id) => [`/v1/keys/${id}`, { method: 'DELETE' }],
  },
];

const TARGETS = ["tenant B's id", 'an id that never existed'] as const;
const CASES = ID_ROUTES.flatMap((r) => TARGETS.map((target) => ({ ...r, target })));

describe(`tenant isolation: ${ID_ROUTES.length} id routes x ${TARGETS.length} targets = ${CASES.length} cases`, () => {
  let a: TestClient;
  let b: TestClient;
  let bViewer: TestClient;
  let bDocument: string;
  let bTitle: string;

  beforeAll(async () => {
    a = await newTenant('owner', 'iso-a');
    b = await newTenant('owner', 'iso-b');
    bViewer = await addKey(b, 'viewer');
    bTitle = `secret plan ${crypto.randomUUID()}`;
    const uploaded = await uploadText(
      b,
      'tenant B private text',
      `?title=${encodeURIComponent(bTitle)}`,
    );
    expect(uploaded.status).toBe(202);
    bDocument = uploaded.body.document.id;
  });

  it.each(CASES)('$route with $target -> 404', async ({ kind, target, request }) => {
    const id =
      target === 'an id that never existed'
        ? crypto.randomUUID()
        : kind === 'document'
          ? bDocument
          : bViewer.keyId;
    const [path, init] = request(id);
    const res = await a.json(path, init);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(JSON.stringify(res.body)).not.toContain(bTitle);
  });

  it("leaves tenant B's data untouched and hides it from A's listings", async () => {
    const doc = await b.json(`/v1/documents/${bDocument}`);
    expect(doc.status).toBe(200);
    expect(doc.body.title).toBe(bTitle);
    expect(doc.body.currentVersion).toBe(1);
    expect((await bViewer.json('/v1/keys/self')).status).toBe(200);

    const docs = await a.json('/v1/documents');
    expect(docs.body.data.map((d: { id: string }) => d.id)).not.toContain(bDocument);
    const keys = await a.json('/v1/keys');
    expect(keys.body.data.map((k: { id: string }) => k.id)).not.toContain(bViewer.keyId);
    const audit = await a.json(`/v1/audit?targetId=${bDocument}`);
    expect(audit.body.data).toEqual([]);
    const settings = await a.json('/v1/tenant/settings', jsonBody('PATCH', { dailyBudgetUsd: 1 }));
    expect(settings.status).toBe(200);
    expect((await b.json('/v1/tenant/settings')).body.settings.dailyBudgetUsd).toBeUndefined();
  });
});
