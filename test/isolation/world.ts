// The world the generated isolation test (test/access-isolation.test.ts) runs in: one tenant,
// two end users A and B with user tokens, an admin key and a viewer key, and documents of every
// kind of reach (issue #16). Every private thing of A's carries a marker B must never see.
import { expect } from 'vitest';
import { sql } from 'drizzle-orm';
import { addKey, clientFor, newTenant, uploadText, withDb, type TestClient } from '../helpers';
import { waitForReady } from '../support/poll';
import { USER_TOKEN_OPERATIONS } from '../../src/auth/roles';

/** Words no other test uses, so any hit is a leak of exactly that document. */
export const SECRET = {
  privateA: 'vermilliontide',
  sharedA: 'quillonharbor',
  collectionA: 'saffronkettle',
  privateB: 'obsidianwren',
  keyDoc: 'marigoldanvil',
} as const;

/** A client speaking for one end user, with a token minted by the tenant's key. */
export async function userClient(
  signer: TestClient,
  userId: string,
  claims: { operations?: string[]; scope?: Record<string, unknown> } = {},
): Promise<TestClient> {
  const res = await signer.json('/v1/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, expiresInSeconds: 3600, ...claims }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return clientFor(res.body.token, signer.tenantId, signer.keyId);
}

async function upload(client: TestClient, text: string, title: string) {
  const res = await uploadText(client, text, `?title=${encodeURIComponent(title)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.document.id as string;
}

export interface World {
  admin: TestClient;
  viewer: TestClient;
  A: TestClient;
  B: TestClient;
  /** B with a token scoped to documents it owns. */
  bOwnerOnly: TestClient;
  docs: {
    privateA: string;
    sharedA: string;
    collectionA: string;
    privateB: string;
    keyDoc: string;
  };
  /** A's collection with B as member (holds collectionA), and A's collection without B. */
  collections: { shared: string; privateA: string; ofB: string };
  conversations: { ofA: string; ofViewer: string };
  /** A download URL A obtained for its private document. */
  downloadA: string;
  missing: string;
  texts: Record<keyof typeof SECRET, string>;
}

export async function buildWorld(): Promise<World> {
  const admin = await newTenant('admin', 'isolation');
  // The table sends each user far more requests than a person would: per-user buckets wide
  // enough that no case meets a 429 instead of the answer it checks.
  const wide = { capacity: 10_000, refillPerSecond: 1_000 };
  const limits = Object.fromEntries(
    ['read', 'search', 'chat', 'upload', 'admin', 'events'].map((k) => [k, wide]),
  );
  const settings = await admin.json('/v1/tenant/settings', {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userRateLimits: limits, allUsersRateLimits: limits }),
  });
  expect(settings.status, JSON.stringify(settings.body)).toBe(200);
  const viewer = await addKey(admin, 'viewer');
  // Every operation a token may carry: the widest user token there is.
  const all = { operations: [...USER_TOKEN_OPERATIONS] };
  const A = await userClient(admin, 'user-a', all);
  const B = await userClient(admin, 'user-b', all);
  const bOwnerOnly = await userClient(admin, 'user-b', { scope: { ownerOnly: true } });
  const texts = {
    privateA: `The quokka ledger of user A records the password ${SECRET.privateA} for the vault.`,
    sharedA: `The quokka almanac shared by A lists the tide at ${SECRET.sharedA} for the crew.`,
    collectionA: `The quokka recipe in A's collection needs a ${SECRET.collectionA} of tea.`,
    privateB: `The quokka diary of user B hides the code ${SECRET.privateB} under the mat.`,
    keyDoc: `The quokka handbook uploaded by the server names the anvil ${SECRET.keyDoc}.`,
  };
  const docs = {
    privateA: await upload(A, texts.privateA, 'ledger'),
    sharedA: await upload(A, texts.sharedA, 'almanac'),
    collectionA: await upload(A, texts.collectionA, 'recipe'),
    privateB: await upload(B, texts.privateB, 'diary'),
    keyDoc: await upload(admin, texts.keyDoc, 'handbook'),
  };
  for (const id of Object.values(docs)) await waitForReady(admin, id);

  const shared = await A.json(`/v1/documents/${docs.sharedA}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ visibility: 'tenant' }),
  });
  expect(shared.status).toBe(200);
  const collection = async (client: TestClient, name: string, members: string[] = []) => {
    const res = await client.json('/v1/collections', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, members }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const collections = {
    shared: await collection(A, 'a-and-b', ['user-b']),
    privateA: await collection(A, 'a-only'),
    ofB: await collection(B, 'b-only'),
  };
  expect(
    (
      await A.fetch(`/v1/collections/${collections.shared}/documents/${docs.collectionA}`, {
        method: 'PUT',
      })
    ).status,
  ).toBe(204);
  expect(
    (
      await A.fetch(`/v1/collections/${collections.privateA}/documents/${docs.privateA}`, {
        method: 'PUT',
      })
    ).status,
  ).toBe(204);

  const conversation = async (client: TestClient) => {
    const res = await client.json('/v1/conversations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'ledger questions' }),
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const conversations = { ofA: await conversation(A), ofViewer: await conversation(viewer) };
  const download = await A.json(`/v1/documents/${docs.privateA}/download`);
  expect(download.status).toBe(200);

  // Product events of both users, written as the events consumer writes them.
  await withDb(async (db) => {
    for (const user of ['user-a', 'user-a', 'user-b']) {
      await db.execute(sql`
        INSERT INTO product_events (tenant_id, event_id, name, user_id, occurred_at, received_at)
        VALUES (${admin.tenantId}::uuid, ${crypto.randomUUID()}::uuid, 'doc.viewed', ${user}, now(), now())`);
    }
    await db.execute(sql`
      INSERT INTO product_users_daily (tenant_id, day, user_id)
      VALUES (${admin.tenantId}::uuid, (now() AT TIME ZONE 'UTC')::date, 'user-a'),
             (${admin.tenantId}::uuid, (now() AT TIME ZONE 'UTC')::date, 'user-b')`);
    await db.execute(sql`
      INSERT INTO product_events_daily (tenant_id, day, name, count)
      VALUES (${admin.tenantId}::uuid, (now() AT TIME ZONE 'UTC')::date, 'doc.viewed', 3)`);
  });

  return {
    admin,
    viewer,
    A,
    B,
    bOwnerOnly,
    docs,
    collections,
    conversations,
    downloadA: download.body.url,
    missing: crypto.randomUUID(),
    texts,
  };
}
