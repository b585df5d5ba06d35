// Before authentication: failed authentications are limited per client IP on the platform's
// Rate Limiting binding (AUTH_FAILURE_LIMITER, 10 per minute in test/wrangler.test.toml), and
// the public readiness probe never returns the raw driver error.
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import type { Env } from '../src/env';
import { BASE, newTenant } from './helpers';

const app = createApp();
const call = (path: string, headers: Record<string, string>, over: Partial<Env> = {}) =>
  app.request(
    `${BASE}${path}`,
    { headers },
    { ...(env as Env), ...over },
    createExecutionContext(),
  );

const randomIp = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 250) + 1).join('.')}`;
const bogusKey = () => `vk_test_${crypto.randomUUID().replace(/-/g, '')}${'x'.repeat(8)}`;

describe('failed authentications per IP', () => {
  it('answers 429 auth_rate_limited once an address exceeds the limit, sparing known keys', async () => {
    const client = await newTenant('viewer');
    const ip = randomIp();
    // A real key used once from this address: this isolate now knows it.
    expect(
      (
        await call('/v1/documents', {
          authorization: `Bearer ${client.key}`,
          'cf-connecting-ip': ip,
        })
      ).status,
    ).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await call('/v1/documents', {
        authorization: `Bearer ${bogusKey()}`,
        'cf-connecting-ip': ip,
      });
      statuses.push(res.status);
      if (res.status === 429) {
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code).toBe('auth_rate_limited');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // Missing or malformed credentials count too, and are refused the same way now.
    expect((await call('/v1/documents', { 'cf-connecting-ip': ip })).status).toBe(429);
    // The key this isolate already knows still works from the blocked address.
    expect(
      (
        await call('/v1/documents', {
          authorization: `Bearer ${client.key}`,
          'cf-connecting-ip': ip,
        })
      ).status,
    ).toBe(200);
    // Another address is unaffected.
    const other = await call('/v1/documents', {
      authorization: `Bearer ${bogusKey()}`,
      'cf-connecting-ip': randomIp(),
    });
    expect(other.status).toBe(401);
  });

  it('keeps answering 401 when the limiter itself errors', async () => {
    const broken = {
      limit: () => Promise.reject(new Error('limiter down')),
    } as unknown as RateLimit;
    const ip = randomIp();
    for (let i = 0; i < 12; i++) {
      const res = await call(
        '/v1/documents',
        { authorization: `Bearer ${bogusKey()}`, 'cf-connecting-ip': ip },
        { AUTH_FAILURE_LIMITER: broken },
      );
      expect(res.status).toBe(401);
    }
  });
});

describe('readiness', () => {
  it('reports an unreachable Postgres generically, without the driver message', async () => {
    const res = await call(
      '/v1/health/ready',
      {},
      {
        DATABASE_URL: 'postgres://vellum:hunter2-secret@localhost:1/vellum',
        DB_WS_PROXY: 'localhost:1',
      },
    );
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: 'degraded',
      checks: { postgres: { ok: false, error: 'unavailable' } },
    });
    expect(text).not.toMatch(/localhost|hunter2|ECONNREFUSED|WebSocket/i);
  });
});
