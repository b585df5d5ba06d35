import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../types';
import { cors, parseOrigins } from '.';

function appWith(origins: string) {
  const app = new Hono<AppEnv>();
  app.use('*', cors());
  app.get('/x', (c) => c.text('ok'));
  return (init: RequestInit) =>
    app.request('/x', init, { CORS_ORIGINS: origins } as AppEnv['Bindings']);
}

describe('cors', () => {
  it('parses the origin list', () => {
    expect(parseOrigins(' https://a.example/ ,https://b.example')).toEqual({
      any: false,
      list: new Set(['https://a.example', 'https://b.example']),
    });
    expect(parseOrigins('*').any).toBe(true);
    expect(parseOrigins(undefined).list.size).toBe(0);
  });

  it('answers "*" without credentials when every origin is allowed', async () => {
    const res = await appWith('*')({ headers: { origin: 'https://any.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('allows nobody when no origins are configured', async () => {
    const res = await appWith('')({
      method: 'OPTIONS',
      headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
