import { describe, expect, it } from 'vitest';
import { addKey, clientFor, newTenant } from './helpers';

const post = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('keys', () => {
  it('creates a key whose secret is shown once and never listed', async () => {
    const admin = await newTenant('admin');
    const created = await admin.json('/v1/keys', post({ name: 'ci', role: 'editor' }));
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^vk_test_[A-Za-z0-9_-]{43}$/);
    expect(created.body.key).toMatchObject({ name: 'ci', role: 'editor', revokedAt: null });
    expect(created.body.secret.startsWith(created.body.key.prefix)).toBe(true);

    const editor = clientFor(created.body.secret, admin.tenantId, created.body.key.id);
    const self = await editor.json('/v1/keys/self');
    expect(self.body).toEqual({
      keyId: created.body.key.id,
      tenantId: admin.tenantId,
      role: 'editor',
    });

    const list = await admin.json('/v1/keys');
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(created.body.secret);
    expect(text).not.toMatch(/keyHash|key_hash|secret/);
    expect(list.body.data.map((k: { id: string }) => k.id)).toContain(created.body.key.id);
    expect(Object.keys(list.body.data[0]).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role'].sort(),
    );
  });

  it('paginates the listing with a cursor, newest first, without gaps or repeats', async () => {
    const admin = await newTenant('admin');
    for (let i = 0; i < 4; i++)
      await admin.json('/v1/keys', post({ name: `k${i}`, role: 'viewer' }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } =
        await admin.json(`/v1/keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((k) => k.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(seen[4]).toBe(admin.keyId);
  });

  it('never mints a key above the creator role', async () => {
    const owner = await newTenant('owner');
    const admin = await addKey(owner, 'admin');
    expect((await admin.json('/v1/keys', post({ name: 'x', role: 'owner' }))).status).toBe(403);
    expect((await admin.json('/v1/keys', post({ name: 'x', role: 'admin' }))).status).toBe(201);
    expect((await owner.json('/v1/keys', post({ name: 'x', role: 'owner' }))).status).toBe(201);
    // Nor rotate or revoke one above it.
    expect((await admin.json(`/v1/keys/${owner.keyId}/rotate`, post({}))).status).toBe(403);
    expect((await admin.json(`/v1/keys/${owner.keyId}`, { method: 'DELETE' })).status).toBe(403);
    expect((await owner.json('/v1/keys/self')).status).toBe(200);
  });

  it('validates names, roles, expiry and the grace period', async () => {
    const admin = await newTenant('admin');
    const bad = [
      { name: '', role: 'viewer' },
      { name: 'x'.repeat(101), role: 'viewer' },
      { name: 'x', role: 'root' },
      { name: 'x', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' },
      { name: 'x', role: 'viewer', extra: true },
    ];
    for (const body of bad) expect((await admin.json('/v1/keys', post(body))).status).toBe(400);
    const target = await addKey(admin, 'viewer');
    for (const gracePeriodSeconds of [-1, 7 * 24 * 3600 + 1, 1.5]) {
      const res = await admin.json(`/v1/keys/${target.keyId}/rotate`, post({ gracePeriodSeconds }));
      expect(res.status).toBe(400);
    }
  });

  it('keeps an expiring key working until its expiry', async () => {
    const admin = await newTenant('admin');
    const soon = new Date(Date.now() + 60_000).toISOString();
    const created = await admin.json(
      '/v1/keys',
      post({ name: 'temp', role: 'viewer', expiresAt: soon }),
    );
    expect(created.status).toBe(201);
    expect(created.body.key.expiresAt).toBe(soon);
    const temp = clientFor(created.body.secret, admin.tenantId, created.body.key.id);
    expect((await temp.json('/v1/keys/self')).status).toBe(200);
  });
});

describe('key rotation', () => {
  it('keeps the old key valid during the grace period (24 h by default)', async () => {
    const admin = await newTenant('admin');
    const target = await addKey(admin, 'editor');
    expect((await target.json('/v1/keys/self')).status).toBe(200);

    const started = Date.now();
    const rotated = await admin.json(`/v1/keys/${target.keyId}/rotate`, { method: 'POST' });
    expect(rotated.status).toBe(201);
    expect(rotated.body.key.role).toBe('editor');
    expect(rotated.body.key.id).not.toBe(target.keyId);
    const graceEnds = Date.parse(rotated.body.previous.expiresAt) - started;
    expect(graceEnds).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(graceEnds).toBeLessThanOrEqual(24 * 3600_000 + 60_000);

    const replacement = clientFor(rotated.body.secret, admin.tenantId, rotated.body.key.id);
    expect((await target.json('/v1/keys/self')).status).toBe(200);
    expect((await replacement.json('/v1/keys/self')).body.keyId).toBe(rotated.body.key.id);
  });

  it('rejects the old key once the grace period has passed', async () => {
    const admin = await newTenant('admin');
    const target = await addKey(admin, 'viewer');
    expect((await target.json('/v1/keys/self')).status).toBe(200); // warm every cache
    const rotated = await admin.json(
      `/v1/keys/${target.keyId}/rotate`,
      post({ gracePeriodSeconds: 1 }),
    );
    expect(rotated.status).toBe(201);
    expect((await target.json('/v1/keys/self')).status).toBe(200);
    const expiresAt = Date.parse(rotated.body.previous.expiresAt);
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 50));
    const after = await target.json('/v1/keys/self');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
    const replacement = clientFor(rotated.body.secret, admin.tenantId, rotated.body.key.id);
    expect((await replacement.json('/v1/keys/self')).status).toBe(200);
  });

  it('with a zero grace period the old key stops at once', async () => {
    const admin = await newTenant('admin');
    const target = await addKey(admin, 'viewer');
    expect((await target.json('/v1/keys/self')).status).toBe(200);
    const rotated = await admin.json(
      `/v1/keys/${target.keyId}/rotate`,
      post({ gracePeriodSeconds: 0 }),
    );
    expect(rotated.status).toBe(201);
    expect((await target.json('/v1/keys/self')).status).toBe(401);
    expect((await admin.json(`/v1/keys/${target.keyId}/rotate`, post({}))).status).toBe(409);
  });
});

describe('key revocation', () => {
  it('takes effect on the very next request in the same isolate', async () => {
    const admin = await newTenant('admin');
    const target = await addKey(admin, 'editor');
    // Warm the isolate and colo caches with a valid lookup first.
    for (let i = 0; i < 3; i++) expect((await target.json('/v1/keys/self')).status).toBe(200);
    const revoked = await admin.fetch(`/v1/keys/${target.keyId}`, { method: 'DELETE' });
    expect(revoked.status).toBe(204);
    const after = await target.json('/v1/keys/self');
    expect(after.status).toBe(401);
    expect((await target.json('/v1/documents')).status).toBe(401);

    const listed = await admin.json('/v1/keys');
    const row = listed.body.data.find((k: { id: string }) => k.id === target.keyId);
    expect(row.revokedAt).not.toBeNull();
    // Revoking again is a no-op, not an error.
    expect((await admin.fetch(`/v1/keys/${target.keyId}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('lets a key revoke itself', async () => {
    const admin = await newTenant('admin');
    expect((await admin.fetch(`/v1/keys/${admin.keyId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin.json('/v1/keys/self')).status).toBe(401);
  });
});
