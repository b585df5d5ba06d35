// One entry per route of the app: the isolation cases for it (issue #16, item 4). The test
// (test/access-isolation.test.ts) fails on a route without an entry, so a route added later
// must say here what another user sees of it.
import { expect } from 'vitest';
import type { TestClient } from '../helpers';
import {
  answerCase,
  call,
  conversation,
  expectStatus,
  readable,
  search,
  tenantAdminOnly,
  writable,
  type Case,
} from './checks';
import { SECRET, type World } from './world';

export { call };

type Cases = (w: World) => Case[];

/** Hono route (`METHOD /path/:param`) -> its isolation cases. */
export const ROUTE_CASES: Record<string, Cases> = {
  'POST /v1/documents': (w) => [
    {
      name: "B uploading A's private bytes gets its own document, never A's",
      async run() {
        const res = await w.B.fetch('/v1/documents?title=copy', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: w.texts.privateA,
        });
        const body = (await res.json()) as any;
        expect(res.status).toBe(202);
        expect(body.duplicate).toBe(false);
        expect(body.document.id).not.toBe(w.docs.privateA);
        expect(body.document).toMatchObject({ visibility: 'private', ownerUserId: 'user-b' });
        // B's copy holds A's words: removed so later cases can scan B's replies for them.
        expect(
          (await w.B.fetch(`/v1/documents/${body.document.id}`, { method: 'DELETE' })).status,
        ).toBe(202);
      },
    },
  ],
  // Refused before the body is read, so no body is needed.
  'PUT /v1/documents/:id/content': (w) => writable(w, 'PUT', (id) => `/v1/documents/${id}/content`),
  'GET /v1/documents': (w) => [
    {
      name: 'lists: B sees shared, collection and key documents, never A’s private one',
      async run() {
        const ids = async (client: TestClient) =>
          new Set(
            ((await call(w, client, 'GET', '/v1/documents?limit=100')).body.data as any[]).map(
              (d) => d.id,
            ),
          );
        const b = await ids(w.B);
        for (const id of [w.docs.sharedA, w.docs.collectionA, w.docs.keyDoc, w.docs.privateB])
          expect(b.has(id)).toBe(true);
        expect(b.has(w.docs.privateA)).toBe(false);
        const a = await ids(w.A);
        expect(a.has(w.docs.privateA) && !a.has(w.docs.privateB)).toBe(true);
        expect([...(await ids(w.bOwnerOnly))].every((id) => id !== w.docs.sharedA)).toBe(true);
        expect((await ids(w.admin)).size).toBeGreaterThanOrEqual(5);
      },
    },
  ],
  'GET /v1/documents/:id': (w) => readable(w, 'GET', (id) => `/v1/documents/${id}`),
  'GET /v1/documents/:id/download': (w) =>
    readable(w, 'GET', (id) => `/v1/documents/${id}/download`),
  'GET /v1/documents/:id/chunks': (w) => [
    ...readable(w, 'GET', (id) => `/v1/documents/${id}/chunks`),
    {
      name: 'chunks carry the text only for those who may see it',
      async run() {
        const shared = await call(w, w.B, 'GET', `/v1/documents/${w.docs.sharedA}/chunks`);
        expect(shared.text).toContain(SECRET.sharedA);
      },
    },
  ],
  'PATCH /v1/documents/:id': (w) => [
    ...writable(w, 'PATCH', (id) => `/v1/documents/${id}`, { visibility: 'tenant' }),
    expectStatus(w, w.B, 'PATCH', `/v1/documents/${w.missing}`, 404, { title: 'x' }),
  ],
  'DELETE /v1/documents/:id': (w) => writable(w, 'DELETE', (id) => `/v1/documents/${id}`),
  'POST /v1/documents/:id/reprocess': (w) =>
    writable(w, 'POST', (id) => `/v1/documents/${id}/reprocess`),
  'POST /v1/collections': (w) => [
    {
      name: 'a collection B creates gives B nothing of A’s',
      async run() {
        const made = await call(w, w.B, 'POST', '/v1/collections', {
          name: 'grab',
          members: ['user-b'],
        });
        expect(made.status).toBe(201);
        const put = (doc: string) =>
          call(w, w.B, 'PUT', `/v1/collections/${made.body.id}/documents/${doc}`);
        expect((await put(w.docs.privateA)).status).toBe(404);
        // Reached through A's collection: readable, not B's to pass on.
        expect((await put(w.docs.collectionA)).status).toBe(403);
        expect((await put(w.docs.sharedA)).status).toBe(204);
      },
    },
  ],
  'GET /v1/collections': (w) => [
    {
      name: 'B lists the collections it belongs to, not A’s own',
      async run() {
        const ids = ((await call(w, w.B, 'GET', '/v1/collections')).body.data as any[]).map(
          (c) => c.id,
        );
        expect(ids).toContain(w.collections.shared);
        expect(ids).not.toContain(w.collections.privateA);
      },
    },
  ],
  'GET /v1/collections/:id': (w) => [
    expectStatus(w, w.B, 'GET', `/v1/collections/${w.collections.privateA}`, 404),
    expectStatus(w, w.B, 'GET', `/v1/collections/${w.collections.shared}`, 200),
    expectStatus(w, w.B, 'GET', `/v1/collections/${w.missing}`, 404),
    expectStatus(w, w.A, 'GET', `/v1/collections/${w.collections.ofB}`, 404),
  ],
  'DELETE /v1/collections/:id': (w) => [
    expectStatus(w, w.B, 'DELETE', `/v1/collections/${w.collections.privateA}`, 404),
    expectStatus(w, w.B, 'DELETE', `/v1/collections/${w.collections.shared}`, 403),
    expectStatus(w, w.B, 'DELETE', `/v1/collections/${w.missing}`, 404),
  ],
  'PUT /v1/collections/:id/documents/:documentId': (w) => [
    expectStatus(
      w,
      w.B,
      'PUT',
      `/v1/collections/${w.collections.privateA}/documents/${w.docs.privateB}`,
      404,
    ),
    expectStatus(
      w,
      w.B,
      'PUT',
      `/v1/collections/${w.collections.shared}/documents/${w.docs.privateB}`,
      403,
    ),
    expectStatus(
      w,
      w.B,
      'PUT',
      `/v1/collections/${w.collections.ofB}/documents/${w.docs.privateA}`,
      404,
    ),
    expectStatus(w, w.B, 'PUT', `/v1/collections/${w.collections.ofB}/documents/${w.missing}`, 404),
  ],
  'DELETE /v1/collections/:id/documents/:documentId': (w) => [
    expectStatus(
      w,
      w.B,
      'DELETE',
      `/v1/collections/${w.collections.privateA}/documents/${w.docs.privateA}`,
      404,
    ),
    expectStatus(
      w,
      w.B,
      'DELETE',
      `/v1/collections/${w.collections.shared}/documents/${w.docs.collectionA}`,
      403,
    ),
    expectStatus(w, w.B, 'DELETE', `/v1/collections/${w.missing}/documents/${w.missing}`, 404),
  ],
  'PUT /v1/collections/:id/members/:userId': (w) => [
    expectStatus(w, w.B, 'PUT', `/v1/collections/${w.collections.privateA}/members/user-b`, 404),
    expectStatus(w, w.B, 'PUT', `/v1/collections/${w.collections.shared}/members/user-c`, 403),
    expectStatus(w, w.B, 'PUT', `/v1/collections/${w.missing}/members/user-b`, 404),
  ],
  'DELETE /v1/collections/:id/members/:userId': (w) => [
    expectStatus(w, w.B, 'DELETE', `/v1/collections/${w.collections.privateA}/members/user-a`, 404),
    expectStatus(w, w.B, 'DELETE', `/v1/collections/${w.collections.shared}/members/user-a`, 403),
    expectStatus(w, w.B, 'DELETE', `/v1/collections/${w.missing}/members/user-a`, 404),
  ],
  'POST /v1/search': (w) => ['keyword', 'semantic', 'hybrid'].flatMap((mode) => search(w, mode)),
  'POST /v1/conversations': (w) => [
    {
      name: 'a conversation B starts is B’s: A and the viewer key get 404',
      async run() {
        const made = await call(w, w.B, 'POST', '/v1/conversations', { title: 'mine' });
        expect(made.status).toBe(201);
        expect(made.body.ownerUserId).toBe('user-b');
        expect((await call(w, w.A, 'GET', `/v1/conversations/${made.body.id}`)).status).toBe(404);
        expect((await call(w, w.viewer, 'GET', `/v1/conversations/${made.body.id}`)).status).toBe(
          404,
        );
      },
    },
  ],
  'GET /v1/conversations': (w) => [
    {
      name: 'lists: each user and non-admin key its own conversations, admin keys all',
      async run() {
        const ids = async (client: TestClient) =>
          ((await call(w, client, 'GET', '/v1/conversations?limit=100')).body.data as any[]).map(
            (c) => c.id,
          );
        expect(await ids(w.B)).not.toContain(w.conversations.ofA);
        expect(await ids(w.viewer)).toEqual([w.conversations.ofViewer]);
        expect(await ids(w.A)).toContain(w.conversations.ofA);
        expect(await ids(w.A)).not.toContain(w.conversations.ofViewer);
        expect(await ids(w.admin)).toEqual(
          expect.arrayContaining([w.conversations.ofA, w.conversations.ofViewer]),
        );
      },
    },
  ],
  'GET /v1/conversations/:id': (w) => conversation(w, 'GET', (id) => `/v1/conversations/${id}`),
  'DELETE /v1/conversations/:id': (w) =>
    conversation(w, 'DELETE', (id) => `/v1/conversations/${id}`, undefined, 0),
  'POST /v1/conversations/:id/messages': (w) =>
    conversation(
      w,
      'POST',
      (id) => `/v1/conversations/${id}/messages`,
      { content: 'what is in the quokka vault?' },
      0,
    ),
  'POST /v1/conversations/:id/messages/:mid/feedback': (w) =>
    conversation(
      w,
      'POST',
      (id) => `/v1/conversations/${id}/messages/${w.missing}/feedback`,
      { rating: 'up' },
      0,
    ),
  'GET /v1/conversations/:id/events': (w) =>
    conversation(w, 'GET', (id) => `/v1/conversations/${id}/events`),
  'POST /v1/answer': (w) => [answerCase(w)],
  'POST /v1/events': (w) => [
    {
      name: 'B may send events; the reply carries nothing of anyone else',
      async run() {
        const reply = await call(w, w.B, 'POST', '/v1/events', {
          events: [
            {
              event_id: crypto.randomUUID(),
              name: 'doc.viewed',
              user_id: 'user-b',
              timestamp: new Date().toISOString(),
            },
          ],
        });
        expect(reply.status).toBe(202);
      },
    },
  ],
  'GET /v1/analytics/dau': (w) => [
    {
      name: 'dau: a user token counts itself only; a key the tenant',
      async run() {
        const today = new Date().toISOString().slice(0, 10);
        const users = async (client: TestClient) =>
          (
            (await call(w, client, 'GET', `/v1/analytics/dau?from=${today}&to=${today}`)).body
              .days as any[]
          )[0].users;
        expect(await users(w.B)).toBe(1);
        expect(await users(w.admin)).toBe(2);
      },
    },
  ],
  'GET /v1/analytics/events': (w) => [
    {
      name: 'event counts: a user token counts its own events only',
      async run() {
        const today = new Date().toISOString().slice(0, 10);
        const total = async (client: TestClient) =>
          (
            (await call(w, client, 'GET', `/v1/analytics/events?from=${today}&to=${today}`)).body
              .days as any[]
          )[0].total;
        expect(await total(w.B)).toBe(1);
        expect(await total(w.A)).toBe(2);
        expect(await total(w.admin)).toBe(3);
      },
    },
  ],
  'GET /v1/audit': (w) => [
    {
      name: 'audit: a user token reads only entries it caused',
      async run() {
        const reply = await call(w, w.B, 'GET', '/v1/audit?limit=200');
        expect(reply.status).toBe(200);
        const rows = reply.body.data as any[];
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((r) => r.userId === 'user-b')).toBe(true);
        const all = (await call(w, w.admin, 'GET', '/v1/audit?limit=200')).body.data as any[];
        expect(all.some((r) => r.userId === 'user-a')).toBe(true);
      },
    },
  ],
  'GET /v1/usage': (w) => tenantAdminOnly(w, 'GET', '/v1/usage'),
  'GET /v1/admin/metrics': (w) => tenantAdminOnly(w, 'GET', '/v1/admin/metrics'),
  'GET /metrics': (w) => tenantAdminOnly(w, 'GET', '/metrics'),
  'GET /v1/keys/self': (w) => [
    {
      name: 'keys/self answers about the caller only',
      async run() {
        const reply = await call(w, w.B, 'GET', '/v1/keys/self');
        expect([200, 403]).toContain(reply.status);
      },
    },
  ],
  'GET /v1/keys': (w) => tenantAdminOnly(w, 'GET', '/v1/keys'),
  'POST /v1/keys': (w) => tenantAdminOnly(w, 'POST', '/v1/keys', { name: 'x', role: 'viewer' }),
  'POST /v1/keys/:id/rotate': (w) =>
    tenantAdminOnly(w, 'POST', `/v1/keys/${w.viewer.keyId}/rotate`),
  'DELETE /v1/keys/:id': (w) => tenantAdminOnly(w, 'DELETE', `/v1/keys/${w.missing}`),
  'GET /v1/tenant/settings': (w) => tenantAdminOnly(w, 'GET', '/v1/tenant/settings'),
  'PATCH /v1/tenant/settings': (w) =>
    tenantAdminOnly(w, 'PATCH', '/v1/tenant/settings', { dailyBudgetUsd: 1 }),
  // Operator routes: no user token (nor tenant key) reaches another tenant or its own record.
  'POST /v1/tenants': (w) => tenantAdminOnly(w, 'POST', '/v1/tenants', { name: `x-${w.missing}` }),
  'GET /v1/tenants': (w) => tenantAdminOnly(w, 'GET', '/v1/tenants'),
  'GET /v1/tenants/:id': (w) => tenantAdminOnly(w, 'GET', `/v1/tenants/${w.admin.tenantId}`),
  'PATCH /v1/tenants/:id': (w) =>
    tenantAdminOnly(w, 'PATCH', `/v1/tenants/${w.admin.tenantId}`, { name: 'renamed' }),
  'DELETE /v1/tenants/:id': (w) => tenantAdminOnly(w, 'DELETE', `/v1/tenants/${w.admin.tenantId}`),
  'POST /v1/tokens': (w) =>
    tenantAdminOnly(w, 'POST', '/v1/tokens', { userId: 'user-a', expiresInSeconds: 60 }),
  'GET /v1/files/:token': (w) => [
    {
      name: "a signed link is the only way to the bytes: A's works, a forged one does not",
      async run() {
        const path = new URL(w.downloadA).pathname;
        expect((await w.A.fetch(path)).status).toBe(200);
        const forged = path.slice(0, -4) + (path.endsWith('AAAA') ? 'BBBB' : 'AAAA');
        const reply = await call(w, w.B, 'GET', forged);
        expect(reply.status).toBeGreaterThanOrEqual(400);
      },
    },
  ],
};

/** Routes that serve no tenant data at all (checked to answer without any of it). */
export const NO_TENANT_DATA = [
  'GET /v1/health',
  'GET /v1/health/ready',
  'GET /openapi.json',
  'GET /docs',
];
