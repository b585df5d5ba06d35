import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, newTenant } from './helpers';

describe('health', () => {
  it('answers liveness without a key and with a request id', async () => {
    const res = await SELF.fetch(`${BASE}/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('checks Postgres for readiness', async () => {
    const res = await SELF.fetch(`${BASE}/v1/health/ready`);
    const body = (await res.json()) as { status: string; checks: { postgres: { ok: boolean } } };
    expect(res.status).toBe(200);
    expect(body.checks.postgres.ok).toBe(true);
  });

  it('echoes a caller-supplied request id', async () => {
    const res = await SELF.fetch(`${BASE}/v1/health`, {
      headers: { 'x-request-id': 'req-abc-12345' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-abc-12345');
  });

  it('returns a 404 envelope for unknown routes', async () => {
    const client = await newTenant('viewer');
    const res = await client.fetch('/v1/nope');
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('route_not_found');
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  });
});
