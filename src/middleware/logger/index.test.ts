import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleError } from '../../http/error-handler';
import type { AppEnv } from '../../types';
import { requestId } from '../request-id';
import { requestLogger } from './index';
import { traceContext } from './trace';

function appUnderTest() {
  const app = new Hono<AppEnv>();
  app.use('*', requestId(), traceContext(), requestLogger());
  app.use('/v1/*', async (c, next) => {
    c.set('principal', { tenantId: 'tenant-1', keyId: 'key-1', role: 'admin', userId: null });
    await next();
  });
  app.post('/v1/things/:id', async (c) =>
    c.json({ id: c.req.param('id'), text: await c.req.text() }),
  );
  app.get('/v1/boom', () => {
    throw new Error('kaboom with vk_live_SECRETSECRET123');
  });
  app.onError(handleError);
  return app;
}

const env = { METRICS_SINK: 'none' } as unknown as AppEnv['Bindings'];

function captureLines() {
  const lines: Record<string, unknown>[] = [];
  const collect = (line: unknown) => lines.push(JSON.parse(String(line)));
  vi.spyOn(console, 'log').mockImplementation(collect);
  vi.spyOn(console, 'error').mockImplementation(collect);
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe('requestLogger', () => {
  it('writes one JSON line per request with the route pattern, ids, status and sizes', async () => {
    const lines = captureLines();
    const body = 'secret document text';
    const res = await appUnderTest().request(
      '/v1/things/abc-123',
      {
        method: 'POST',
        body,
        headers: {
          authorization: 'Bearer vk_live_abcdefabcdef',
          'content-length': String(body.length),
          'x-request-id': 'req-12345678',
        },
      },
      env,
    );
    expect(res.status).toBe(200);
    const received = await res.text(); // the line is written once the body has streamed out
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      requestId: 'req-12345678',
      tenantId: 'tenant-1',
      keyId: 'key-1',
      method: 'POST',
      route: '/v1/things/:id',
      status: 200,
      bytesIn: body.length,
    });
    expect(typeof line.ms).toBe('number');
    expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(line.bytesOut).toBe(new TextEncoder().encode(received).length);
    const text = JSON.stringify(line);
    expect(text).not.toContain('vk_live');
    expect(text).not.toContain('secret document text');
    expect(text).not.toContain('abc-123'); // the pattern, not the raw path
  });

  it('returns traceparent and X-Request-Id, continuing a valid incoming trace', async () => {
    captureLines();
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await appUnderTest().request(
      '/v1/things/1',
      { method: 'POST', headers: { traceparent: incoming } },
      env,
    );
    await res.text();
    const out = res.headers.get('traceparent')!;
    expect(out).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(out).not.toBe(incoming);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('generates a trace when the incoming traceparent is malformed', async () => {
    captureLines();
    const res = await appUnderTest().request(
      '/v1/things/1',
      { method: 'POST', headers: { traceparent: '00-zzzz-01' } },
      env,
    );
    await res.text();
    expect(res.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('logs 5xx errors with their stack, redacted, under the same request id and trace', async () => {
    const lines = captureLines();
    const res = await appUnderTest().request('/v1/boom', {}, env);
    expect(res.status).toBe(500);
    await res.text();
    const error = lines.find((l) => l.msg === 'request.error')!;
    const request = lines.find((l) => l.msg === 'request' && l.route === '/v1/boom')!;
    expect(error.level).toBe('error');
    expect(String(error.stack)).toContain('kaboom');
    expect(JSON.stringify(error)).not.toContain('SECRETSECRET');
    expect(request).toMatchObject({ level: 'error', status: 500, route: '/v1/boom' });
    expect(error.requestId).toBe(request.requestId);
    expect(error.traceId).toBe(request.traceId);
  });
});
