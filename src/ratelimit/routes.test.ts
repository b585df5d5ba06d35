import { describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { findRouteRule, operationFor, ROUTE_RULES } from './routes';

const PUBLIC = [/^\/v1\/health(\/|$)/, /^\/v1\/files\//, /^\/openapi\.json$/, /^\/docs$/];

describe('route -> operation class table', () => {
  it('names every authenticated route of the app', () => {
    const routes = createApp()
      .routes.filter((r) => r.method !== 'ALL' && !PUBLIC.some((p) => p.test(r.path)))
      .map((r) => `${r.method} ${r.path}`);
    const missing = [...new Set(routes)].filter((r) => {
      const [method, path] = r.split(' ') as [string, string];
      return !findRouteRule(method, path.replace(/:[A-Za-z_]+/g, 'x'));
    });
    expect(missing).toEqual([]);
  });

  it('has no row without a route', () => {
    const routes = new Set(createApp().routes.map((r) => `${r.method} ${r.path}`));
    const orphans = ROUTE_RULES.map((r) => `${r.method} ${r.path}`).filter((r) => !routes.has(r));
    expect(orphans).toEqual([]);
  });

  it('matches ids as single segments and treats HEAD as GET', () => {
    expect(operationFor('GET', '/v1/documents/abc')).toBe('read');
    expect(operationFor('PUT', '/v1/documents/abc/content')).toBe('upload');
    expect(operationFor('POST', '/v1/events')).toBe('events');
    expect(findRouteRule('POST', '/v1/events')?.enqueuesIngest).toBeUndefined();
    expect(findRouteRule('GET', '/v1/documents/abc/def')).toBeUndefined();
    expect(operationFor('HEAD', '/v1/keys')).toBe('admin');
    expect(findRouteRule('POST', '/v1/documents')?.enqueuesIngest).toBe(true);
    expect(findRouteRule('PATCH', '/v1/documents/x')?.streamsBody).toBeUndefined();
  });
});
