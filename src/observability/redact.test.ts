import { describe, expect, it } from 'vitest';
import { REDACTED, redact } from './redact';

describe('redact', () => {
  it('replaces secret-named and content-named fields at any depth', () => {
    const out = redact({
      requestId: 'r1',
      headers: { Authorization: 'Bearer vk_live_abcdef123456', 'x-api-key': 'k', accept: 'json' },
      env: { DATABASE_URL: 'postgres://u:p@h/db', SIGNING_KEYS: 'k1:s' },
      body: { text: 'the whole document' },
      prompt: 'tell me everything',
      messages: [{ role: 'user', content: 'hi' }],
      nested: { token: 't', password: 'p', status: 200 },
    });
    expect(out).toEqual({
      requestId: 'r1',
      headers: { Authorization: REDACTED, 'x-api-key': REDACTED, accept: 'json' },
      env: { DATABASE_URL: REDACTED, SIGNING_KEYS: REDACTED },
      body: REDACTED,
      prompt: REDACTED,
      messages: REDACTED,
      nested: { token: REDACTED, password: REDACTED, status: 200 },
    });
  });

  it('masks API keys, bearer tokens and URL passwords inside free text', () => {
    const out = redact({
      message:
        'key vk_test_AbCdEf123456 failed; header Bearer abc.def.ghi; db postgres://vellum:hunter2@db.example/x',
    }) as { message: string };
    expect(out.message).not.toContain('AbCdEf123456');
    expect(out.message).not.toContain('abc.def.ghi');
    expect(out.message).not.toContain('hunter2');
    expect(out.message).toContain('postgres://vellum:[redacted]@db.example/x');
  });

  it('drops the bind parameters that query errors append', () => {
    const out = redact({
      message:
        'Failed query: insert into chunks (text) values ($1)\nparams: the confidential chunk,42',
      stack: 'Error: Failed query: select 1\nparams: 304b2bf1,1\n    at resolveKey (index.js:1:1)',
    }) as { message: string; stack: string };
    expect(out.message).toBe(
      'Failed query: insert into chunks (text) values ($1)\nparams: [redacted]',
    );
    expect(out.stack).not.toContain('304b2bf1');
    expect(out.stack).toContain('at resolveKey');
  });

  it('leaves ordinary fields alone', () => {
    expect(
      redact({ route: '/v1/documents/:id', status: 404, ms: 12.5, ok: true, none: null }),
    ).toEqual({
      route: '/v1/documents/:id',
      status: 404,
      ms: 12.5,
      ok: true,
      none: null,
    });
  });
});
