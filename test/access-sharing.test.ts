// Sharing over time (issue #16): what a user may see changes with visibility and collection
// membership, and neither the search cache nor the answer cache may keep serving the old reach.
import { beforeAll, describe, expect, it } from 'vitest';
import { USER_TOKEN_OPERATIONS } from '../src/auth/roles';
import { freshKey } from './chat/fake';
import { addKey, newTenant, uploadText, withBindings, type TestClient } from './helpers';
import { userClient } from './isolation/world';
import { waitForReady } from './support/poll';

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const patch = (body: unknown): RequestInit => ({ ...post(body), method: 'PATCH' });

describe('sharing over time', () => {
  let admin: TestClient;
  let A: TestClient;
  let B: TestClient;
  let docId: string;
  const text = 'The heron logbook notes that the sluice gate code is tamarindglow at dawn.';

  beforeAll(async () => {
    admin = await newTenant('admin', 'sharing');
    const all = { operations: [...USER_TOKEN_OPERATIONS] };
    A = await userClient(admin, 'user-a', all);
    B = await userClient(admin, 'user-b', all);
    const res = await uploadText(A, text, '?title=logbook');
    expect(res.status).toBe(202);
    expect(res.body.document).toMatchObject({ visibility: 'private', ownerUserId: 'user-a' });
    docId = res.body.document.id;
    await waitForReady(A, docId);
  }, 60_000);

  it('visibility: the owner or an admin key changes it, a non-admin key cannot', async () => {
    const viewer = await addKey(admin, 'editor');
    expect(
      (await viewer.json(`/v1/documents/${docId}`, patch({ visibility: 'tenant' }))).status,
    ).toBe(403);
    expect((await B.json(`/v1/documents/${docId}`)).status).toBe(404);
    expect(
      (await admin.json(`/v1/documents/${docId}`, patch({ visibility: 'tenant' }))).status,
    ).toBe(200);
    expect((await B.json(`/v1/documents/${docId}`)).status).toBe(200);
    const back = await A.json(`/v1/documents/${docId}`, patch({ visibility: 'private' }));
    expect(back.body.visibility).toBe('private');
    expect((await B.json(`/v1/documents/${docId}`)).status).toBe(404);
  });

  it('a cached search stops showing a document once it is made private', async () => {
    const search = () =>
      B.json('/v1/search', post({ query: 'heron logbook sluice', mode: 'keyword' }));
    expect((await A.json(`/v1/documents/${docId}`, patch({ visibility: 'tenant' }))).status).toBe(
      200,
    );
    const first = await search();
    expect(first.body.results.map((r: any) => r.documentId)).toContain(docId);
    expect((await search()).body.cache).toBe('hit');
    expect((await A.json(`/v1/documents/${docId}`, patch({ visibility: 'private' }))).status).toBe(
      200,
    );
    const after = await B.json('/v1/search', {
      ...post({ query: 'heron logbook sluice', mode: 'keyword' }),
      headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
    });
    expect(after.body.results.map((r: any) => r.documentId)).not.toContain(docId);
  });

  it('a cached answer is not served once the asker left the collection it came from', async () => {
    const made = await A.json('/v1/collections', post({ name: 'logbooks', members: ['user-b'] }));
    expect(made.status).toBe(201);
    const collection = made.body.id;
    expect(
      (await A.fetch(`/v1/collections/${collection}/documents/${docId}`, { method: 'PUT' })).status,
    ).toBe(204);
    const suffix = crypto.randomUUID().slice(0, 8);
    const llm = {
      ANTHROPIC_API_KEY: freshKey(),
      ANTHROPIC_MODEL_PRIMARY: `claude-sonnet-4-5-${suffix}`,
      ANTHROPIC_MODEL_SECONDARY: `claude-haiku-4-5-${suffix}`,
    };
    const ask = () =>
      withBindings(
        B,
        '/v1/answer',
        post({ question: 'What is the sluice gate code in the heron logbook?' }),
        llm,
      );
    const first = await ask();
    expect(first.body.tier).toBe('primary');
    expect(JSON.stringify(first.body.citations)).toContain(docId);
    expect((await ask()).body.tier).toBe('cache');

    const left = await A.fetch(`/v1/collections/${collection}/members/user-b`, {
      method: 'DELETE',
    });
    expect(left.status).toBe(204);
    const after = await ask();
    expect(after.body.tier).not.toBe('cache');
    expect(JSON.stringify(after.body)).not.toContain('tamarindglow');
  });
});
