import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { handleError } from '../../http/error-handler';
import type { AppEnv } from '../../types';
import { JSON_BODY_LIMIT_BYTES, jsonBodyLimit } from '.';

const app = new Hono<AppEnv>();
app.use('*', jsonBodyLimit());
app.post('/v1/keys', async (c) => c.json({ bytes: (await c.req.text()).length }));
app.post('/v1/documents', async (c) => c.json({ bytes: (await c.req.text()).length }));
app.onError(handleError);

describe('jsonBodyLimit', () => {
  it('passes bodies up to the limit and refuses larger ones with body_too_large', async () => {
    const ok = await app.request('/v1/keys', {
      method: 'POST',
      body: 'x'.repeat(JSON_BODY_LIMIT_BYTES),
    });
    expect(ok.status).toBe(200);
    const big = await app.request('/v1/keys', {
      method: 'POST',
      body: 'x'.repeat(JSON_BODY_LIMIT_BYTES + 1),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
  });

  it('skips streamed upload routes', async () => {
    const res = await app.request('/v1/documents', {
      method: 'POST',
      body: 'x'.repeat(JSON_BODY_LIMIT_BYTES * 2),
    });
    expect(res.status).toBe(200);
  });
});
