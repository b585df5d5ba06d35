import type { OperationClass } from './config';

export interface RouteRule {
  method: string;
  /** Hono-style path: `:name` matches one segment. */
  path: string;
  operation: OperationClass;
  /** The body is streamed to storage and bounded by MAX_UPLOAD_BYTES, not by the JSON limit. */
  streamsBody?: true;
  /** A larger JSON body limit than the default, for batch routes. */
  maxBodyBytes?: number;
  /** Adds ingest work: refused with 429 ingest_backlog_full when the tenant's backlog is full. */
  enqueuesIngest?: true;
}

/**
 * Every authenticated route and the bucket it spends from: the one table for the bulkhead.
 * A route missing here falls back to `read`; test/ratelimit-routes.test.ts fails on any gap.
 */
export const ROUTE_RULES: readonly RouteRule[] = [
  {
    method: 'POST',
    path: '/v1/documents',
    operation: 'upload',
    streamsBody: true,
    enqueuesIngest: true,
  },
  {
    method: 'PUT',
    path: '/v1/documents/:id/content',
    operation: 'upload',
    streamsBody: true,
    enqueuesIngest: true,
  },
  { method: 'GET', path: '/v1/documents', operation: 'read' },
  { method: 'GET', path: '/v1/documents/:id', operation: 'read' },
  { method: 'PATCH', path: '/v1/documents/:id', operation: 'upload' },
  { method: 'DELETE', path: '/v1/documents/:id', operation: 'upload' },
  { method: 'GET', path: '/v1/documents/:id/download', operation: 'read' },
  { method: 'GET', path: '/v1/documents/:id/chunks', operation: 'read' },
  {
    method: 'POST',
    path: '/v1/documents/:id/reprocess',
    operation: 'upload',
    enqueuesIngest: true,
  },
  { method: 'POST', path: '/v1/collections', operation: 'upload' },
  { method: 'GET', path: '/v1/collections', operation: 'read' },
  { method: 'GET', path: '/v1/collections/:id', operation: 'read' },
  { method: 'DELETE', path: '/v1/collections/:id', operation: 'upload' },
  { method: 'PUT', path: '/v1/collections/:id/documents/:documentId', operation: 'upload' },
  { method: 'DELETE', path: '/v1/collections/:id/documents/:documentId', operation: 'upload' },
  { method: 'PUT', path: '/v1/collections/:id/members/:userId', operation: 'upload' },
  { method: 'DELETE', path: '/v1/collections/:id/members/:userId', operation: 'upload' },
  // A 16,000-character query even when \u-escaped (6 bytes a character) plus 1,000 document ids.
  { method: 'POST', path: '/v1/search', operation: 'search', maxBodyBytes: 192 * 1024 },
  { method: 'POST', path: '/v1/conversations', operation: 'chat' },
  { method: 'GET', path: '/v1/conversations', operation: 'read' },
  { method: 'GET', path: '/v1/conversations/:id', operation: 'read' },
  { method: 'DELETE', path: '/v1/conversations/:id', operation: 'chat' },
  { method: 'POST', path: '/v1/conversations/:id/messages', operation: 'chat' },
  { method: 'POST', path: '/v1/conversations/:id/messages/:mid/feedback', operation: 'chat' },
  { method: 'GET', path: '/v1/conversations/:id/events', operation: 'read' },
  { method: 'POST', path: '/v1/answer', operation: 'chat' },
  // Product events: 1,000 events of at most 4 KiB of properties each.
  { method: 'POST', path: '/v1/events', operation: 'events', maxBodyBytes: 5 * 1024 * 1024 },
  { method: 'GET', path: '/v1/analytics/dau', operation: 'read' },
  { method: 'GET', path: '/v1/analytics/events', operation: 'read' },
  { method: 'GET', path: '/v1/usage', operation: 'read' },
  { method: 'GET', path: '/v1/admin/metrics', operation: 'admin' },
  { method: 'GET', path: '/metrics', operation: 'admin' },
  { method: 'GET', path: '/v1/keys/self', operation: 'read' },
  { method: 'GET', path: '/v1/keys', operation: 'admin' },
  { method: 'POST', path: '/v1/keys', operation: 'admin' },
  { method: 'POST', path: '/v1/keys/:id/rotate', operation: 'admin' },
  { method: 'DELETE', path: '/v1/keys/:id', operation: 'admin' },
  { method: 'POST', path: '/v1/tokens', operation: 'admin' },
  // Operator routes: the operator key's own admin bucket.
  { method: 'POST', path: '/v1/tenants', operation: 'admin' },
  { method: 'GET', path: '/v1/tenants', operation: 'admin' },
  { method: 'GET', path: '/v1/tenants/:id', operation: 'admin' },
  { method: 'PATCH', path: '/v1/tenants/:id', operation: 'admin' },
  { method: 'DELETE', path: '/v1/tenants/:id', operation: 'admin' },
  { method: 'GET', path: '/v1/audit', operation: 'admin' },
  { method: 'GET', path: '/v1/tenant/settings', operation: 'admin' },
  { method: 'PATCH', path: '/v1/tenant/settings', operation: 'admin' },
];

const compile = (path: string) =>
  new RegExp(`^${path.replace(/:[A-Za-z_]+/g, '[^/]+').replace(/\//g, '\\/')}\\/?$`);

const COMPILED = ROUTE_RULES.map((rule) => ({ rule, pattern: compile(rule.path) }));

/** The rule for a request, or undefined when no row names it. */
export function findRouteRule(method: string, path: string): RouteRule | undefined {
  const upper = method.toUpperCase();
  const verb = upper === 'HEAD' ? 'GET' : upper;
  return COMPILED.find(({ rule, pattern }) => rule.method === verb && pattern.test(path))?.rule;
}

export function operationFor(method: string, path: string): OperationClass {
  return findRouteRule(method, path)?.operation ?? 'read';
}
