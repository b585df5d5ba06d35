import { describe, expect, it } from 'vitest';
import { createApp, requiresKey } from '../../../src/app';
import { permissionOf } from '../../../src/middleware/auth';
import { operationsOf, servedDocument, type Operation } from './openapi-document';

/**
 * The statuses each operation must document, derived from what the app wires around it, the
 * way src/ratelimit/routes.test.ts derives the rate-limit table from the routes: a new route
 * that forgets one fails here without anyone adding a row.
 */
const app = createApp();
const doc = await servedDocument(app);
const operations = operationsOf(doc);

/** Served by the app but not API operations: the document itself and its viewer. */
const NOT_OPERATIONS = new Set(['GET /openapi.json', 'GET /docs']);

/**
 * Query strings these operations read leniently: a bad value falls back to the default instead
 * of a 400 (a Prometheus scraper cannot act on an error body).
 */
const LENIENT_QUERY = new Set(['GET /metrics']);

const toDocPath = (honoPath: string) => honoPath.replace(/:([A-Za-z_]+)/g, '{$1}');

/** `METHOD /path/{param}` -> the handlers Hono runs for it (route-level middleware included). */
const handlers = new Map<string, unknown[]>();
for (const route of app.routes) {
  if (route.method === 'ALL') continue;
  const key = `${route.method} ${toDocPath(route.path)}`;
  handlers.set(key, [...(handlers.get(key) ?? []), route.handler]);
}

function requiredStatuses(method: string, path: string, op: Operation): Map<number, string> {
  const need = new Map<number, string>();
  const honoPath = path.replace(/\{([^}]+)\}/g, 'x');
  if (requiresKey(honoPath)) {
    need.set(401, 'authenticate(): no or a bad key');
    need.set(429, 'rateLimit(): the bucket of the route class is empty');
    need.set(503, 'the key lookup or a fail-closed rate limiter is unavailable');
  }
  const permission = (handlers.get(`${method} ${path}`) ?? [])
    .map(permissionOf)
    .find((p) => p !== undefined);
  if (permission) need.set(403, `authorize('${permission}')`);
  if (/\{[^}]+\}/.test(path)) {
    need.set(400, 'a path id that does not parse');
    need.set(404, 'a path id that names nothing');
  }
  const query = op.parameters?.some((p) => p.in === 'query');
  if (query && !LENIENT_QUERY.has(`${method} ${path}`)) need.set(400, 'query validation');
  if (op.parameters?.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')) {
    need.set(409, 'http/idempotency.ts: a request with this key is in progress');
    need.set(422, 'http/idempotency.ts: the key was used for another operation');
  }
  if (op.requestBody) {
    need.set(400, 'body validation');
    need.set(413, 'body limit');
    need.set(415, 'media-type gate');
  }
  return need;
}

describe('/openapi.json against the middleware of each route', () => {
  it('documents every route the app serves, and only those', () => {
    const documented = new Set(operations.map(([m, p]) => `${m} ${p}`));
    const served = [...handlers.keys()].filter((k) => !NOT_OPERATIONS.has(k));
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !handlers.has(r))).toEqual([]);
  });

  it('lists the 4xx/5xx statuses each operation can produce before or around its handler', () => {
    const missing: string[] = [];
    for (const [method, path, op] of operations) {
      for (const [status, why] of requiredStatuses(method, path, op)) {
        if (!op.responses[status]) missing.push(`${method} ${path}: ${status} (${why})`);
      }
    }
    console.info(`[openapi] ${operations.length} operations checked against their middleware`);
    expect(operations.length).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });

  it('answers every error status with the one error envelope', () => {
    const wrong: string[] = [];
    for (const [method, path, op] of operations) {
      // The readiness probe answers 503 with its health body, by design.
      if (path === '/v1/health/ready') continue;
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        if (ref !== '#/components/schemas/Error') wrong.push(`${method} ${path} ${status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('names every operation once, for generated clients', () => {
    const ids = operations.map(([m, p, op]) => op.operationId ?? `(none: ${m} ${p})`);
    expect(ids.filter((id) => id.startsWith('(none'))).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('names the serving origin as its server', () => {
    expect(doc.servers).toEqual([{ url: 'https://vellum.test', description: 'This deployment' }]);
  });

  it('derives 403 from the route middleware (the walk sees authorize())', () => {
    // Guards the derivation itself: if Hono stopped exposing route middleware, every 403
    // requirement above would silently vanish.
    const withPermission = [...handlers.entries()].filter(([, hs]) => hs.some(permissionOf));
    expect(withPermission.map(([k]) => k)).toContain('POST /v1/search');
    expect(withPermission.map(([k]) => k)).toContain('POST /v1/documents');
  });
});
