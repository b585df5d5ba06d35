import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/types';
import { addKey, newTenant, uploadText, type TestClient } from './helpers';

const ALL: Role[] = ['owner', 'admin', 'editor', 'viewer', 'ingest'];

interface Fixture {
  owner: TestClient;
  /** A document shared by the cases that leave it in place. */
  shared: string;
  /** A fresh document, for cases that delete it. */
  document(): Promise<string>;
  /** A fresh viewer key on the same tenant, as a target for rotate/revoke. */
  viewerKey(): Promise<string>;
}

type Request = [path: string, init?: RequestInit];
const jsonBody = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * The expected access matrix, written out by hand: which roles may call each route.
 * Everything else must get 403. Permissions live in src/auth/roles.ts; this table
 * checks them from the outside.
 */
const TABLE: {
  route: string;
  allowed: Role[];
  request(f: Fixture, allowed: boolean): Promise<Request>;
}[] = [
  {
    route: 'POST /v1/documents',
    allowed: ['owner', 'admin', 'editor', 'ingest'],
    request: async () => [
      '/v1/documents',
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: crypto.randomUUID() },
    ],
  },
  {
    route: 'GET /v1/documents',
    allowed: ['owner', 'admin', 'editor', 'viewer'],
    request: async () => ['/v1/documents'],
  },
  {
    route: 'GET /v1/documents/:id',
    allowed: ['owner', 'admin', 'editor', 'viewer'],
    request: async (f) => [`/v1/documents/${f.shared}`],
  },
  {
    route: 'PATCH /v1/documents/:id',
    allowed: ['owner', 'admin', 'editor'],
    request: async (f) => [`/v1/documents/${f.shared}`, jsonBody('PATCH', { title: 'T' })],
  },
  {
    route: 'DELETE /v1/documents/:id',
    allowed: ['owner', 'admin', 'editor'],
    request: async (f, allowed) => [
      `/v1/documents/${allowed ? await f.document() : f.shared}`,
      { method: 'DELETE' },
    ],
  },
  {
    route: 'PUT /v1/documents/:id/content',
    allowed: ['owner', 'admin', 'editor'],
    request: async (f) => [
      `/v1/documents/${f.shared}/content`,
      { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: crypto.randomUUID() },
    ],
  },
  {
    route: 'GET /v1/documents/:id/download',
    allowed: ['owner', 'admin', 'editor', 'viewer'],
    request: async (f) => [`/v1/documents/${f.shared}/download`],
  },
  {
    route: 'GET /v1/documents/:id/chunks',
    allowed: ['owner', 'admin', 'editor', 'viewer'],
    request: async (f) => [`/v1/documents/${f.shared}/chunks`],
  },
  {
    route: 'GET /v1/keys/self',
    allowed: ['owner', 'admin', 'editor', 'viewer', 'ingest'],
    request: async () => ['/v1/keys/self'],
  },
  {
    route: 'POST /v1/keys',
    allowed: ['owner', 'admin'],
    request: async () => ['/v1/keys', jsonBody('POST', { name: 'n', role: 'viewer' })],
  },
  {
    route: 'GET /v1/keys',
    allowed: ['owner', 'admin'],
    request: async () => ['/v1/keys'],
  },
  {
    route: 'POST /v1/keys/:id/rotate',
    allowed: ['owner', 'admin'],
    request: async (f) => [`/v1/keys/${await f.viewerKey()}/rotate`, jsonBody('POST', {})],
  },
  {
    route: 'DELETE /v1/keys/:id',
    allowed: ['owner', 'admin'],
    request: async (f) => [`/v1/keys/${await f.viewerKey()}`, { method: 'DELETE' }],
  },
  {
    route: 'POST /v1/tokens',
    allowed: ['owner', 'admin', 'editor'],
    request: async () => ['/v1/tokens', jsonBody('POST', { userId: 'user-1' })],
  },
  {
    route: 'GET /v1/audit',
    allowed: ['owner', 'admin'],
    request: async () => ['/v1/audit'],
  },
  {
    route: 'GET /v1/tenant/settings',
    allowed: ['owner', 'admin'],
    request: async () => ['/v1/tenant/settings'],
  },
  {
    route: 'PATCH /v1/tenant/settings',
    allowed: ['owner', 'admin'],
    request: async () => ['/v1/tenant/settings', jsonBody('PATCH', { dailyBudgetUsd: 5 })],
  },
];

const CASES = TABLE.flatMap((row) =>
  ALL.map((role) => ({ route: row.route, role, allowed: row.allowed.includes(role), row })),
);

describe(`role table: ${TABLE.length} routes x ${ALL.length} roles = ${CASES.length} cases`, () => {
  let fixture: Fixture;
  const clients = {} as Record<Role, TestClient>;

  beforeAll(async () => {
    const owner = await newTenant('owner', 'roles');
    clients.owner = owner;
    for (const role of ALL.filter((r) => r !== 'owner')) clients[role] = await addKey(owner, role);
    fixture = {
      owner,
      shared: '',
      async document() {
        const res = await uploadText(owner, `document ${crypto.randomUUID()}`);
        expect(res.status).toBe(202);
        return res.body.document.id as string;
      },
      async viewerKey() {
        return (await addKey(owner, 'viewer')).keyId;
      },
    };
    fixture.shared = await fixture.document();
  });

  it.each(CASES)('$route as $role -> allowed: $allowed', async ({ role, allowed, row }) => {
    const [path, init] = await row.request(fixture, allowed);
    const res = await clients[role].json(path, init);
    if (allowed) {
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(200);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    } else {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
  });
});
