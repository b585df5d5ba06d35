import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE } from './helpers';

describe('OpenAPI document', () => {
  it('describes the keys, audit and settings routes', async () => {
    const res = await SELF.fetch(`${BASE}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/keys']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/keys/{id}']!)).toEqual(['delete']);
    expect(Object.keys(doc.paths['/v1/keys/{id}/rotate']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/keys/self']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/audit']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/tenant/settings']!).sort()).toEqual(['get', 'patch']);
  });
});
