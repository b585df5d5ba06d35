import { env, SELF } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { displayPrefix, generateApiKey, hashApiKey } from '../src/auth/api-key';
import { operatorKeys } from '../src/db/schema';
import { BASE, clientFor, newTenant, uploadText, withDb } from './helpers';
import { poll, waitForReady } from './support/poll';

async function newOperator() {
  const secret = generateApiKey('test');
  const keyHash = await hashApiKey(secret);
  await withDb((db) =>
    db.insert(operatorKeys).values({ name: 'op', prefix: displayPrefix(secret), keyHash }),
  );
  return clientFor(secret, '', '');
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('operator tenant API', () => {
  it('creates a tenant whose first owner key works at once', async () => {
    const operator = await newOperator();
    const name = `acme-${crypto.randomUUID()}`;
    const created = await operator.json('/v1/tenants', json('POST', { name }));
    expect(created.status).toBe(201);
    expect(created.body.tenant).toMatchObject({ name, status: 'active', deletion: null });
    expect(created.body.key).toMatchObject({ role: 'owner', revokedAt: null });
    expect(created.body.secret).toMatch(/^vk_test_/);
    const owner = clientFor(created.body.secret, created.body.tenant.id, created.body.key.id);
    expect((await owner.json('/v1/keys/self')).body).toMatchObject({
      tenantId: created.body.tenant.id,
      role: 'owner',
    });
    expect((await owner.json('/v1/tokens', json('POST', { userId: 'u' }))).status).toBe(201);

    expect((await operator.json('/v1/tenants', json('POST', { name }))).status).toBe(409);
    for (const body of [{}, { name: '' }, { name: 'x', extra: 1 }]) {
      expect((await operator.json('/v1/tenants', json('POST', body))).status).toBe(400);
    }
    const got = await operator.json(`/v1/tenants/${created.body.tenant.id}`);
    expect(got.body).toEqual(created.body.tenant);
    expect((await operator.json(`/v1/tenants/${crypto.randomUUID()}`)).status).toBe(404);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } =
        await operator.json(`/v1/tenants?limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.data.map((t) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toContain(created.body.tenant.id);
  });

  it('keeps operator and tenant credentials apart', async () => {
    const operator = await newOperator();
    const tenant = await newTenant('owner', 'op');
    const token = (await tenant.json('/v1/tokens', json('POST', { userId: 'u' }))).body.token;
    for (const credential of [tenant.key, token]) {
      const res = await SELF.fetch(`${BASE}/v1/tenants`, {
        headers: { authorization: `Bearer ${credential}` },
      });
      expect(res.status).toBe(403);
    }
    const asTenantRoute = await operator.json('/v1/documents');
    expect(asTenantRoute.status).toBe(403);
    expect((await operator.json('/v1/keys/self')).status).toBe(403);
    expect((await SELF.fetch(`${BASE}/v1/tenants`)).status).toBe(401);
    const unknown = clientFor(generateApiKey('test'), '', '');
    expect((await unknown.json('/v1/tenants')).status).toBe(401);
  });

  it("changes name and settings within the operator's ceilings", async () => {
    const operator = await newOperator();
    const created = await operator.json(
      '/v1/tenants',
      json('POST', { name: `p-${crypto.randomUUID()}` }),
    );
    const id = created.body.tenant.id;
    const patched = await operator.json(
      `/v1/tenants/${id}`,
      json('PATCH', {
        name: `renamed-${id}`,
        settings: { dailyBudgetUsd: 5, corsOrigins: ['https://app.example.com'] },
      }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: `renamed-${id}`,
      settings: { dailyBudgetUsd: 5, corsOrigins: ['https://app.example.com'] },
    });
    const over = await operator.json(
      `/v1/tenants/${id}`,
      json('PATCH', { settings: { userRateLimits: { search: { capacity: 50_000 } } } }),
    );
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe('exceeds_operator_limit');
    const overAtCreate = await operator.json(
      '/v1/tenants',
      json('POST', { name: `c-${id}`, settings: { dailyBudgetUsd: 1_000_000 } }),
    );
    expect(overAtCreate.body.error.code).toBe('exceeds_operator_limit');
    const audit = await withDb((db) =>
      db.execute<{ action: string }>(
        sql`SELECT action FROM operator_audit WHERE tenant_id = ${id}::uuid ORDER BY id`,
      ),
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'tenant.create',
      'tenant.rename',
      'tenant.settings.update',
    ]);
  });

  it('deletes a tenant asynchronously, with progress, until nothing of it remains', async () => {
    const operator = await newOperator();
    const created = await operator.json(
      '/v1/tenants',
      json('POST', { name: `d-${crypto.randomUUID()}` }),
    );
    const id = created.body.tenant.id as string;
    const owner = clientFor(created.body.secret, id, created.body.key.id);
    const docs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const up = await uploadText(owner, `tenant deletion document ${i} ${crypto.randomUUID()}`);
      expect(up.status).toBe(202);
      docs.push(up.body.document.id);
    }
    for (const doc of docs) await waitForReady(owner, doc);
    const token = (await owner.json('/v1/tokens', json('POST', { userId: 'u' }))).body.token;
    expect((await env.DOCUMENTS.list({ prefix: `tenants/${id}/` })).objects.length).toBeGreaterThan(
      0,
    );

    const started = await operator.json(`/v1/tenants/${id}`, { method: 'DELETE' });
    expect(started.status).toBe(202);
    expect(started.body.status).toBe('deleting');
    expect(started.body.deletion).toMatchObject({ status: 'running', documentsTotal: 3 });
    // Its keys and their tokens stop at once.
    expect((await owner.json('/v1/documents')).status).toBe(401);
    expect((await clientFor(token, id, '').json('/v1/documents')).status).toBe(401);
    // Settings cannot change under a deletion.
    expect((await operator.json(`/v1/tenants/${id}`, json('PATCH', { name: 'x' }))).status).toBe(
      409,
    );

    const done = await poll(
      'the tenant deletion',
      async () => {
        const res = await operator.json(`/v1/tenants/${id}`);
        return res.body.status === 'deleted' ? res : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(done.body.deletion).toMatchObject({
      status: 'done',
      documentsTotal: 3,
      documentsDeleted: 3,
    });
    expect(done.body.deletion.completedAt).not.toBeNull();

    // Nothing of it in any table that has a tenant_id, nor in R2.
    const remaining = await withDb(async (db) => {
      const tables = await db.execute<{ table_name: string }>(sql`
        SELECT table_name FROM information_schema.columns
        WHERE column_name = 'tenant_id' AND table_schema = 'public'
          AND table_name NOT IN ('operator_audit', 'tenant_deletions')`);
      const counts: Record<string, number> = {};
      for (const { table_name } of tables.rows) {
        const res = await db.execute<{ n: number }>(
          sql`SELECT count(*)::int AS n FROM ${sql.identifier(table_name)} WHERE tenant_id = ${id}::uuid`,
        );
        counts[table_name] = Number(res.rows[0]!.n);
      }
      const tenantRow = await db.execute(sql`SELECT 1 FROM tenants WHERE id = ${id}::uuid`);
      return { counts, tenants: tenantRow.rows.length, tables: tables.rows.length };
    });
    expect(remaining.tables).toBeGreaterThan(5);
    expect(Object.entries(remaining.counts).filter(([, n]) => n > 0)).toEqual([]);
    expect(remaining.tenants).toBe(0);
    expect((await env.DOCUMENTS.list({ prefix: `tenants/${id}/` })).objects).toEqual([]);
    const audit = await withDb((db) =>
      db.execute<{ action: string }>(
        sql`SELECT action FROM operator_audit WHERE tenant_id = ${id}::uuid ORDER BY id`,
      ),
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'tenant.create',
      'tenant.delete.start',
      'tenant.delete.complete',
    ]);
  });
});
