import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { secureHeaders } from '.';

describe('secureHeaders', () => {
  it('sets nosniff, frame deny, no-referrer, HSTS and a deny-all CSP, also on errors', async () => {
    const app = new Hono();
    app.use('*', secureHeaders());
    app.get('/ok', (c) => c.json({ ok: true }));
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.onError((_, c) => c.json({ error: true }, 500));
    for (const path of ['/ok', '/boom', '/missing']) {
      const res = await app.request(path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBe(
        'max-age=63072000; includeSubDomains',
      );
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
    }
  });
});
