// Idempotency-Key on key creation and chat messages (issue #14, item 5): a retried request gets
// the first response again and does nothing twice. The upload route's key is covered in
// test/documents.test.ts; these routes share its claim/complete/release (src/http/idempotency.ts).
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { newTenant, withDb, type TestClient } from './helpers';

const post = (body: unknown, key?: string): RequestInit => ({
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    ...(key ? { 'idempotency-key': key } : {}),
  },
  body: JSON.stringify(body),
});

let admin: TestClient;

beforeAll(async () => {
  admin = await newTenant('admin', 'idempotent');
});

describe('POST /v1/keys with an Idempotency-Key', () => {
  it('issues one key however often the request is retried, and stores its secret sealed', async () => {
    const key = `create-${crypto.randomUUID()}`;
    const before = (await admin.json('/v1/keys')).body.data.length;
    const first = await admin.json('/v1/keys', post({ name: 'ci', role: 'viewer' }, key));
    const again = await admin.json('/v1/keys', post({ name: 'ci', role: 'viewer' }, key));
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await admin.json('/v1/keys')).body.data.length).toBe(before + 1);
    const stored = await withDb((db) =>
      db.execute<{ response: string }>(sql`
        SELECT response::text AS response FROM idempotency_keys
        WHERE tenant_id = ${admin.tenantId}::uuid AND key = ${key}`),
    );
    expect(stored.rows[0]!.response).not.toContain(first.body.secret);
  });

  it('refuses the same key with a different body', async () => {
    const key = `create-${crypto.randomUUID()}`;
    expect((await admin.json('/v1/keys', post({ name: 'a', role: 'viewer' }, key))).status).toBe(
      201,
    );
    const other = await admin.json('/v1/keys', post({ name: 'b', role: 'viewer' }, key));
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('releases the key when the request fails, so a retry runs afresh', async () => {
    const key = `create-${crypto.randomUUID()}`;
    const refused = await admin.json('/v1/keys', post({ name: 'x', role: 'owner' }, key));
    expect(refused.status).toBe(403);
    const retried = await admin.json('/v1/keys', post({ name: 'x', role: 'owner' }, key));
    expect(retried.status).toBe(403);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('POST /v1/conversations/:id/messages with an Idempotency-Key', () => {
  const conversation = async () =>
    (await admin.json('/v1/conversations', post({ title: 'idempotent' }))).body.id as string;

  it('answers a retried question once, replaying the first answer', async () => {
    const id = await conversation();
    const key = `turn-${crypto.randomUUID()}`;
    const body = { content: 'What does the handbook say about refunds?' };
    const first = await admin.json(`/v1/conversations/${id}/messages`, post(body, key));
    const again = await admin.json(`/v1/conversations/${id}/messages`, post(body, key));
    expect(first.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const read = await admin.json(`/v1/conversations/${id}`);
    expect(read.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
  });

  it('replays a streamed answer as the same event stream', async () => {
    const id = await conversation();
    const key = `turn-${crypto.randomUUID()}`;
    const body = { content: 'Is there anything about shipping?', stream: true };
    const first = await admin.fetch(`/v1/conversations/${id}/messages`, post(body, key));
    const firstText = await first.text();
    expect(firstText).toContain('event: done');
    const again = await admin.fetch(`/v1/conversations/${id}/messages`, post(body, key));
    expect(again.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstText);
    const read = await admin.json(`/v1/conversations/${id}`);
    expect(read.body.messages).toHaveLength(2);
  });

  it('refuses a key used on another conversation', async () => {
    const key = `turn-${crypto.randomUUID()}`;
    const body = { content: 'Hello?' };
    const a = await conversation();
    const b = await conversation();
    expect((await admin.json(`/v1/conversations/${a}/messages`, post(body, key))).status).toBe(200);
    const other = await admin.json(`/v1/conversations/${b}/messages`, post(body, key));
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });
});
