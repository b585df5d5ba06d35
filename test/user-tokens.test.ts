import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { deriveTokenSigningSecret, signUserToken } from '../src/auth/user-token';
import { mintUserToken } from '../src/client';
import { apiKeys } from '../src/db/schema';
import { addKey, clientFor, newTenant, withDb, type TestClient } from './helpers';

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A client that sends the token instead of the key. */
const asUser = (key: TestClient, token: string) => clientFor(token, key.tenantId, key.keyId);

async function serverToken(key: TestClient, body: Record<string, unknown>) {
  const res = await key.json('/v1/tokens', post(body));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { token: string; expiresAt: string };
}

const local = (key: TestClient, extra: Record<string, unknown> = {}) =>
  mintUserToken(key.key, { tenantId: key.tenantId, keyId: key.keyId, userId: 'u-1', ...extra });

describe('user tokens', () => {
  it('POST /v1/tokens mints a token the edge accepts as that user', async () => {
    const editor = await newTenant('editor', 'tokens');
    const before = Date.now();
    const minted = await serverToken(editor, { userId: 'alice', expiresInSeconds: 600 });
    expect(minted.token).toMatch(/^vut1\./);
    const expires = Date.parse(minted.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 600_000);

    const alice = asUser(editor, minted.token);
    const self = await alice.json('/v1/keys/self');
    expect(self.status).toBe(200);
    expect(self.body).toMatchObject({
      tenantId: editor.tenantId,
      keyId: editor.keyId,
      role: 'editor',
      userId: 'alice',
    });
    expect(self.body.operations).toEqual(
      expect.arrayContaining(['documents:read', 'search', 'chat']),
    );
    expect((await alice.json('/v1/documents')).status).toBe(200);
  });

  it('accepts a locally minted token, byte-identical to what the server signs', async () => {
    const admin = await newTenant('admin', 'tokens');
    const now = Date.now();
    const minted = await local(admin, { operations: ['search', 'keys:self'], now });
    const stored = await withDb(async (db) => {
      const [row] = await db
        .select({ tokenSecret: apiKeys.tokenSecret })
        .from(apiKeys)
        .where(eq(apiKeys.id, admin.keyId));
      return row!.tokenSecret!;
    });
    expect(stored).toBe(await deriveTokenSigningSecret(admin.key));
    const res = await asUser(admin, minted.token).json('/v1/keys/self');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: 'u-1', operations: ['search', 'keys:self'] });
  });

  it('narrows the key to the token operations; a token never mints or manages keys', async () => {
    const owner = await newTenant('owner', 'tokens');
    const narrow = asUser(
      owner,
      (await serverToken(owner, { userId: 'u', operations: ['search'] })).token,
    );
    const denied = await narrow.json('/v1/documents');
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');

    // Default operations: no key management, no minting, no settings.
    const user = asUser(owner, (await serverToken(owner, { userId: 'u' })).token);
    for (const [path, init] of [
      ['/v1/tokens', post({ userId: 'other' })],
      ['/v1/keys', undefined],
      ['/v1/keys', post({ name: 'x', role: 'viewer' })],
      ['/v1/tenant/settings', undefined],
    ] as const) {
      const res = await user.json(path, init);
      expect(res.status, path).toBe(403);
    }
    // Not even when the key signs a token asking for it.
    for (const op of ['keys:manage', 'tokens:mint', 'settings:manage']) {
      const res = await owner.json('/v1/tokens', post({ userId: 'u', operations: [op] }));
      expect(res.status, op).toBe(400);
      const forged = await local(owner, { operations: [op] });
      const used = await asUser(owner, forged.token).json('/v1/keys/self');
      expect(used.status, op).toBe(403);
      expect(used.body.error.code).toBe('token_operations_exceed_key');
    }
  });

  it("refuses operations beyond the signing key's role", async () => {
    const editor = await newTenant('editor', 'tokens');
    const res = await editor.json('/v1/tokens', post({ userId: 'u', operations: ['audit:read'] }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('token_operations_exceed_key');
    const forged = await local(editor, { operations: ['search', 'audit:read'] });
    const used = await asUser(editor, forged.token).json('/v1/keys/self');
    expect(used.status).toBe(403);
    expect(used.body.error.code).toBe('token_operations_exceed_key');
    // A role that cannot mint cannot sign either, even locally.
    const ingest = await addKey(editor, 'ingest');
    const fromIngest = await local(ingest, { operations: ['documents:upload'] });
    expect((await asUser(ingest, fromIngest.token).json('/v1/keys/self')).status).toBe(403);
  });

  it('answers 401 with stable codes for expired, tampered, wrong-tenant and over-24h tokens', async () => {
    const admin = await newTenant('admin', 'tokens');
    const other = await newTenant('admin', 'tokens');
    const expect401 = async (token: string, code: string) => {
      const res = await asUser(admin, token).json('/v1/keys/self');
      expect(res.status, token).toBe(401);
      expect(res.body.error.code).toBe(code);
    };
    await expect401(
      (await local(admin, { expiresInSeconds: 60, now: Date.now() - 120_000 })).token,
      'expired_token',
    );
    const good = (await local(admin)).token;
    const [prefix, body, mac] = good.split('.') as [string, string, string];
    const claims = JSON.parse(atob(body.replace(/-/g, '+').replace(/_/g, '/')));
    const reencode = (value: unknown) =>
      btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    await expect401(`${prefix}.${reencode({ ...claims, sub: 'mallory' })}.${mac}`, 'invalid_token');
    await expect401(`${prefix}.${body}.${mac.slice(0, -2)}AA`, 'invalid_token');
    await expect401('vut1.not-a-token.x', 'invalid_token');
    // Signed by this key but naming another tenant.
    await expect401((await local(admin, { tenantId: other.tenantId })).token, 'invalid_token');
    // Another tenant's key id with this key's signature.
    await expect401((await local(admin, { keyId: other.keyId })).token, 'invalid_token');
    // A validly signed token whose lifetime exceeds 24 h.
    const iat = Math.floor(Date.now() / 1000) - 10;
    const long = await signUserToken(
      { tid: admin.tenantId, kid: admin.keyId, sub: 'u', iat, exp: iat + 86_401 },
      await deriveTokenSigningSecret(admin.key),
    );
    await expect401(long, 'invalid_token');
    // Issued in the future beyond the clock skew.
    await expect401((await local(admin, { now: Date.now() + 3600_000 })).token, 'invalid_token');
  });

  it('stops accepting tokens once the signing key is revoked or rotated out', async () => {
    const owner = await newTenant('owner', 'tokens');
    const signer = await addKey(owner, 'editor');
    const token = (await local(signer)).token;
    expect((await asUser(signer, token).json('/v1/keys/self')).status).toBe(200);
    expect((await owner.json(`/v1/keys/${signer.keyId}`, { method: 'DELETE' })).status).toBe(204);
    const revoked = await asUser(signer, token).json('/v1/keys/self');
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('invalid_token');

    const rotating = await addKey(owner, 'editor');
    const before = (await local(rotating)).token;
    expect((await asUser(rotating, before).json('/v1/keys/self')).status).toBe(200);
    const rotated = await owner.json(
      `/v1/keys/${rotating.keyId}/rotate`,
      post({ gracePeriodSeconds: 0 }),
    );
    expect(rotated.status).toBe(201);
    expect((await asUser(rotating, before).json('/v1/keys/self')).status).toBe(401);
    // The replacement key signs tokens at once.
    const next = clientFor(rotated.body.secret, owner.tenantId, rotated.body.key.id);
    expect((await asUser(next, (await local(next)).token).json('/v1/keys/self')).status).toBe(200);
  });

  it('keys from before user tokens must be rotated to mint', async () => {
    const admin = await newTenant('admin', 'tokens');
    await withDb((db) =>
      db.update(apiKeys).set({ tokenSecret: null }).where(eq(apiKeys.id, admin.keyId)),
    );
    const res = await admin.json('/v1/tokens', post({ userId: 'u' }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('token_signing_unavailable');
  });

  it('validates the mint request', async () => {
    const admin = await newTenant('admin', 'tokens');
    for (const body of [
      {},
      { userId: '' },
      { userId: 'x'.repeat(129) },
      { userId: 'u', expiresInSeconds: 86_401 },
      { userId: 'u', expiresInSeconds: 0 },
      { userId: 'u', operations: [] },
      { userId: 'u', operations: ['root'] },
      { userId: 'u', scope: { owner: true } },
      { userId: 'u', extra: 1 },
    ]) {
      const res = await admin.json('/v1/tokens', post(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const scoped = await serverToken(admin, {
      userId: 'u',
      expiresInSeconds: 86_400,
      scope: { collections: ['c'], tags: ['t'], ownerOnly: true },
    });
    const self = await asUser(admin, scoped.token).json('/v1/keys/self');
    expect(self.body.scope).toEqual({ collections: ['c'], tags: ['t'], ownerOnly: true });
  });

  it('POST /v1/events from a user token accepts only events for that user', async () => {
    const editor = await newTenant('editor', 'tokens');
    const alice = asUser(editor, (await serverToken(editor, { userId: 'alice' })).token);
    const at = new Date().toISOString();
    const ev = (user: string) => ({
      event_id: crypto.randomUUID(),
      name: 'doc.viewed',
      user_id: user,
      timestamp: at,
    });
    const res = await alice.json('/v1/events', post({ events: [ev('alice'), ev('bob')] }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({ accepted: 1, rejected: [{ index: 1, code: 'user_mismatch' }] });
    // The key itself is the tenant's backend: it may report for any user.
    const asKey = await editor.json('/v1/events', post({ events: [ev('alice'), ev('bob')] }));
    expect(asKey.body).toEqual({ accepted: 2, rejected: [] });
  });
});
