import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, clientFor, newTenant, type TestClient } from './helpers';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function tokenFor(owner: TestClient, userId: string) {
  const res = await owner.json('/v1/tokens', json('POST', { userId }));
  expect(res.status).toBe(201);
  return clientFor(res.body.token as string, owner.tenantId, owner.keyId);
}

describe('user tokens at the edge', () => {
  it("allows a browser on the tenant's own origins, for user tokens only", async () => {
    const owner = await newTenant('owner', 'cors');
    const origin = `https://${crypto.randomUUID()}.example.com`;
    const set = await owner.json('/v1/tenant/settings', json('PATCH', { corsOrigins: [origin] }));
    expect(set.status).toBe(200);
    const alice = await tokenFor(owner, 'alice');

    const preflight = await SELF.fetch(`${BASE}/v1/documents`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    const unlisted = await SELF.fetch(`${BASE}/v1/documents`, {
      method: 'OPTIONS',
      headers: { origin: 'https://nobody.example.com', 'access-control-request-method': 'GET' },
    });
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();

    const ok = await alice.fetch('/v1/documents', { headers: { origin } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
    expect(ok.headers.get('access-control-expose-headers')).toContain('RateLimit');
    // Errors too, so the browser can read them.
    const denied = await alice.fetch('/v1/keys', { headers: { origin } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBe(origin);
    // An API key from a browser origin gets nothing: keys belong on servers.
    const keyed = await owner.fetch('/v1/documents', { headers: { origin } });
    expect(keyed.headers.get('access-control-allow-origin')).toBeNull();
    // Another tenant's user from this origin gets nothing either.
    const other = await tokenFor(await newTenant('owner', 'cors'), 'bob');
    const cross = await other.fetch('/v1/documents', { headers: { origin } });
    expect(cross.status).toBe(200);
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits each user per class, and all users of a tenant together', async () => {
    const owner = await newTenant('owner', 'limits');
    const set = await owner.json(
      '/v1/tenant/settings',
      json('PATCH', {
        userRateLimits: { read: { capacity: 2, refillPerSecond: 0.001 } },
        allUsersRateLimits: { read: { capacity: 3, refillPerSecond: 0.001, shards: 1 } },
      }),
    );
    expect(set.status).toBe(200);
    const alice = await tokenFor(owner, 'alice');
    const bob = await tokenFor(owner, 'bob');
    const carol = await tokenFor(owner, 'carol');

    expect((await alice.fetch('/v1/documents')).status).toBe(200);
    const second = await alice.fetch('/v1/documents');
    expect(second.status).toBe(200);
    expect(second.headers.get('ratelimit-policy')).toBe('"read";q=2;w=2000');
    const third = await alice.json('/v1/documents');
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('rate_limited');
    // Another token for the same user shares the user's bucket.
    expect((await (await tokenFor(owner, 'alice')).fetch('/v1/documents')).status).toBe(429);

    // Alice's refused requests did not drain the all-users bucket (3): Bob still gets in, and
    // after him it is spent for everyone.
    expect((await bob.fetch('/v1/documents')).status).toBe(200);
    const aggregate = await carol.json('/v1/documents');
    expect(aggregate.status).toBe(429);
    expect(aggregate.body.error.message).toContain('all of the tenant');
    // The key's own bucket is untouched by its users.
    expect((await owner.fetch('/v1/documents')).status).toBe(200);
  });
});
