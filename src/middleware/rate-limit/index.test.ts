import { env } from 'cloudflare:test';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { handleError } from '../../http/error-handler';
import type { AppEnv } from '../../types';
import { LeaseBook } from '../../ratelimit/lease';
import { bucketName, failClosedClasses, rateLimit } from '.';

function appFor(bindings: Partial<AppEnv['Bindings']>, capacity: number) {
  const keyId = crypto.randomUUID();
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('requestId', 'test-request-id');
    c.set('principal', { tenantId: crypto.randomUUID(), keyId, role: 'viewer', userId: null });
    c.set('tenantSettings', { rateLimits: { admin: { capacity, refillPerSecond: 0.001 } } });
    await next();
  });
  app.use('*', rateLimit());
  app.get('/v1/keys', (c) => c.json({ ok: true }));
  app.post('/v1/documents', (c) => c.json({ ok: true }));
  app.post('/v1/conversations', (c) => c.json({ ok: true }));
  app.onError(handleError);
  return {
    keyId,
    fetch: () => app.request('/v1/keys', {}, bindings as AppEnv['Bindings']),
    post: (path: string) =>
      app.request(path, { method: 'POST', body: 'x' }, bindings as AppEnv['Bindings']),
  };
}

describe('rateLimit', () => {
  it('names buckets by key and class, adding the shard only when sharded', () => {
    expect(bucketName('k', 'read', 0)).toBe('k:read');
    expect(bucketName('k', 'read', 3)).toBe('k:read:3');
  });

  it('spends from the route class bucket and answers 429 when it is empty', async () => {
    const app = appFor({ RATE_LIMITER: env.RATE_LIMITER }, 2);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.fetch()).status);
    expect(statuses).toEqual([200, 200, 429]);
    const res = await app.fetch();
    expect(res.headers.get('ratelimit-policy')).toBe('"admin";q=2;w=2000');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  const broken = {
    idFromName: () => ({}),
    get: () => ({
      take: () => Promise.reject(new Error('limiter down')),
    }),
  } as unknown as AppEnv['Bindings']['RATE_LIMITER'];

  it('lets cheap classes through when the limiter is unreachable', async () => {
    const app = appFor({ RATE_LIMITER: broken }, 1);
    expect((await app.fetch()).status).toBe(200);
    expect((await app.fetch()).status).toBe(200);
  });

  it('refuses upload and chat with 503 when the limiter is unreachable (fail closed)', async () => {
    const app = appFor({ RATE_LIMITER: broken }, 1);
    for (const path of ['/v1/documents', '/v1/conversations']) {
      const res = await app.post(path);
      expect(res.status, path).toBe(503);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe('rate_limiter_unavailable');
      expect(res.headers.get('retry-after')).toBe('5');
    }
  });

  it('follows RATE_LIMIT_FAIL_CLOSED', async () => {
    const open = appFor({ RATE_LIMITER: broken, RATE_LIMIT_FAIL_CLOSED: 'none' }, 1);
    expect((await open.post('/v1/documents')).status).toBe(200);
    const strict = appFor({ RATE_LIMITER: broken, RATE_LIMIT_FAIL_CLOSED: 'admin' }, 1);
    expect((await strict.fetch()).status).toBe(503);
    expect((await strict.post('/v1/documents')).status).toBe(200);
    expect([...failClosedClasses(undefined)]).toEqual(['upload', 'chat']);
    expect([...failClosedClasses(' Upload , bogus')]).toEqual(['upload']);
  });

  it('spends leased events tokens in the isolate: exact in total, one object call per lease', async () => {
    const calls: string[] = [];
    const counting = {
      idFromName: (name: string) => env.RATE_LIMITER!.idFromName(name),
      get: (id: DurableObjectId) => {
        const stub = env.RATE_LIMITER!.get(id);
        return {
          take: (...args: Parameters<typeof stub.take>) => {
            calls.push(String(args[2] ?? 0));
            return stub.take(...args);
          },
        };
      },
    } as unknown as AppEnv['Bindings']['RATE_LIMITER'];
    const principal = {
      tenantId: crypto.randomUUID(),
      keyId: crypto.randomUUID(),
      role: 'viewer' as const,
      userId: null,
    };
    const app = new Hono<AppEnv>();
    app.use('*', async (c, next) => {
      c.set('requestId', 'test-request-id');
      c.set('principal', principal);
      // 100 tokens, leased 5 at a time (1/20 of the bucket); no refill during the test.
      c.set('tenantSettings', {
        rateLimits: { events: { capacity: 100, refillPerSecond: 0.001 } },
      });
      await next();
    });
    app.use('*', rateLimit({ leases: new LeaseBook() }));
    app.post('/v1/events', (c) => c.json({ ok: true }));
    app.onError(handleError);
    const statuses = await Promise.all(
      Array.from({ length: 150 }, () =>
        app.request('/v1/events', { method: 'POST', body: '{}' }, {
          RATE_LIMITER: counting,
        } as AppEnv['Bindings']),
      ).map(async (r) => (await r).status),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    // 100 tokens in calls of 1 + 5, and the call that found the bucket empty.
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(100 / 6) + 1);
    expect(new Set(calls)).toEqual(new Set(['5']));
  });
});
