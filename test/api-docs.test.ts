import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE } from './helpers';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

interface Operation {
  responses?: Record<string, { description?: string }>;
}

describe('API documentation', () => {
  it('/openapi.json is an OpenAPI 3.1 document whose every operation declares responses', async () => {
    const res = await SELF.fetch(`${BASE}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, Operation>>;
      components?: { schemas?: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    const paths = Object.entries(doc.paths);
    expect(paths.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const [path, item] of paths) {
      if (!path.startsWith('/')) problems.push(`${path}: does not start with /`);
      const operations = Object.entries(item).filter(([m]) => METHODS.includes(m));
      if (!operations.length) problems.push(`${path}: no operations`);
      for (const [method, op] of operations) {
        const codes = Object.keys(op.responses ?? {});
        if (!codes.length) problems.push(`${method} ${path}: no responses`);
        for (const code of codes) {
          if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(code))
            problems.push(`${method} ${path}: ${code}`);
          if (typeof op.responses![code]!.description !== 'string') {
            problems.push(`${method} ${path} ${code}: no description`);
          }
        }
      }
      // Every {param} in the template is declared as a path parameter.
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        for (const [method, op] of Object.entries(item).filter(([m]) => METHODS.includes(m))) {
          const params = (op as { parameters?: Array<{ name: string; in: string }> }).parameters;
          if (!params?.some((p) => p.in === 'path' && p.name === name)) {
            problems.push(`${method} ${path}: path parameter ${name} undeclared`);
          }
        }
      }
    }
    // Every $ref resolves inside the document.
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      if (!doc.components?.schemas?.[ref!]) problems.push(`unresolved $ref ${ref}`);
    }
    expect(problems).toEqual([]);
  });

  it('documents the user-token and operator routes and the token format (issue #16)', async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: {
        securitySchemes: Record<string, { bearerFormat?: string; description?: string }>;
      };
    };
    expect(Object.keys(doc.paths['/v1/tokens'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/v1/tenants'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/tenants/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(doc.paths['/v1/tenants']!.post!.security).toEqual([{ operatorKey: [] }]);
    const user = doc.components.securitySchemes.userToken!;
    expect(user.bearerFormat).toBe('vut1');
    for (const claim of ['tid', 'kid', 'sub', 'ops', 'scope', 'exp']) {
      expect(user.description).toContain(`\`${claim}\``);
    }
  });

  it('/docs serves the Swagger UI page over /openapi.json without an API key', async () => {
    const res = await SELF.fetch(`${BASE}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<div id="swagger-ui">');
    expect(html).toContain('/vendor/swagger-ui/swagger-ui-bundle.js');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('API responses keep the locked-down policy', async () => {
    const res = await SELF.fetch(`${BASE}/openapi.json`);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    expect(res.headers.get('content-security-policy')).not.toContain('script-src');
  });
});
