// Operator ceilings over what a tenant admin may set for itself (src/tenants/ceilings.ts).
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/env';
import { newTenant, withBindings, withDb, type TestClient } from './helpers';

/** The app with extra deployment variables, as an operator would configure them. */
const withConfig = (client: TestClient, path: string, init: RequestInit, overrides: Partial<Env>) =>
  withBindings(
    client,
    path,
    { ...init, headers: { 'content-type': 'application/json' } },
    overrides,
  );

const patch = (body: unknown): RequestInit => ({ method: 'PATCH', body: JSON.stringify(body) });

describe('operator ceilings', () => {
  it('refuses a settings patch above a ceiling with a stable code, and stores nothing', async () => {
    const client = await newTenant('owner', 'ceilings');
    const over = await client.json('/v1/tenant/settings', {
      ...patch({ rateLimits: { search: { capacity: 50_000 } }, dailyBudgetUsd: 5 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe('exceeds_operator_limit');
    expect(over.body.error.message).toContain('rateLimits.search.capacity');
    const after = await client.json('/v1/tenant/settings');
    expect(after.body.settings).toEqual({});

    const lowered = await withConfig(client, '/v1/tenant/settings', patch({ dailyBudgetUsd: 50 }), {
      MAX_TENANT_DAILY_BUDGET_USD: '20',
    });
    expect(lowered.status).toBe(400);
    expect(lowered.body.error.code).toBe('exceeds_operator_limit');
  });

  it('holds a value stored before the ceiling was lowered to the ceiling', async () => {
    const client = await newTenant('owner', 'ceilings');
    const ok = await client.json('/v1/tenant/settings', {
      ...patch({ dailyBudgetUsd: 500, ingestBacklogCap: 4000 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(ok.status).toBe(200);
    const view = await withConfig(
      client,
      '/v1/tenant/settings',
      { method: 'GET' },
      {
        MAX_TENANT_DAILY_BUDGET_USD: '20',
        MAX_TENANT_INGEST_BACKLOG: '100',
      },
    );
    expect(view.status).toBe(200);
    expect(view.body.settings).toMatchObject({ dailyBudgetUsd: 500, ingestBacklogCap: 4000 });
    expect(view.body.effective).toMatchObject({ dailyBudgetUsd: 20, ingestBacklogCap: 100 });
    expect(view.body.ceilings).toMatchObject({ dailyBudgetUsd: 20, ingestBacklogCap: 100 });
  });

  it('caps the number of active keys a tenant can create', async () => {
    const client = await newTenant('owner', 'ceilings');
    const config = { MAX_TENANT_KEYS: '3' };
    const create = (name: string) =>
      withConfig(
        client,
        '/v1/keys',
        { method: 'POST', body: JSON.stringify({ name, role: 'viewer' }) },
        config,
      );
    // The tenant holds one key already (the owner's); two more reach the cap, concurrently.
    const made = await Promise.all([create('a'), create('b')]);
    expect(made.map((r) => r.status)).toEqual([201, 201]);
    const refused = await create('c');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('key_limit_reached');
    const active = await withDb(async (db) => {
      const result = await db.execute<{ n: number }>(sql`
        SELECT count(*)::int AS n FROM api_keys
        WHERE tenant_id = ${client.tenantId}::uuid AND revoked_at IS NULL`);
      return Number(result.rows[0]!.n);
    });
    expect(active).toBe(3);
    // Revoking one frees a place.
    const revoked = await withConfig(
      client,
      `/v1/keys/${made[0]!.body.key.id}`,
      { method: 'DELETE' },
      config,
    );
    expect(revoked.status).toBeLessThan(300);
    expect((await create('d')).status).toBe(201);
  });
});
