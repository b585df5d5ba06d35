import { describe, expect, it } from 'vitest';
import { addKey, newTenant, uploadText } from './helpers';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

interface AuditRow {
  id: number;
  action: string;
  targetType: string;
  targetId: string | null;
  keyId: string | null;
  requestId: string | null;
}

describe('audit', () => {
  it('every mutating route appends a row naming its request', async () => {
    const owner = await newTenant('owner', 'audit');
    const victim = await addKey(owner, 'viewer');
    const expected: { action: string; requestId: string; targetId: string }[] = [];
    const track = (action: string, targetId: string, res: { status: number; headers: Headers }) => {
      expect(res.status, action).toBeLessThan(300);
      expected.push({ action, targetId, requestId: res.headers.get('x-request-id')! });
    };

    const created = await uploadText(owner, `audited ${crypto.randomUUID()}`);
    const docId = created.body.document.id;
    track('document.create', docId, created);
    const version = await owner.json(`/v1/documents/${docId}/content`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: `v2 ${crypto.randomUUID()}`,
    });
    track('document.version.create', docId, version);
    track(
      'document.update',
      docId,
      await owner.json(`/v1/documents/${docId}`, json('PATCH', { title: 'x' })),
    );
    const key = await owner.json('/v1/keys', json('POST', { name: 'k', role: 'editor' }));
    track('key.create', key.body.key.id, key);
    track(
      'key.rotate',
      key.body.key.id,
      await owner.json(`/v1/keys/${key.body.key.id}/rotate`, json('POST', {})),
    );
    track(
      'key.revoke',
      victim.keyId,
      await owner.json(`/v1/keys/${victim.keyId}`, { method: 'DELETE' }),
    );
    track(
      'tenant.settings.update',
      owner.tenantId,
      await owner.json('/v1/tenant/settings', json('PATCH', { dailyBudgetUsd: 12.5 })),
    );
    track(
      'document.delete',
      docId,
      await owner.json(`/v1/documents/${docId}`, { method: 'DELETE' }),
    );

    const log = await owner.json<{ data: AuditRow[] }>('/v1/audit?limit=200');
    expect(log.status).toBe(200);
    for (const want of expected) {
      const row = log.body.data.find((r) => r.requestId === want.requestId);
      expect(row, want.action).toMatchObject({
        action: want.action,
        targetId: want.targetId,
        keyId: owner.keyId,
      });
    }
    expect(log.body.data).toHaveLength(expected.length);
    const ids = log.body.data.map((r) => r.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
  });

  it('filters and paginates by id, newest first', async () => {
    const owner = await newTenant('owner', 'audit-f');
    const other = await addKey(owner, 'admin');
    const before = new Date().toISOString();
    for (let i = 0; i < 3; i++)
      await owner.json('/v1/keys', json('POST', { name: `o${i}`, role: 'viewer' }));
    await other.json('/v1/tenant/settings', json('PATCH', { dailyBudgetUsd: 3 }));

    const byAction = await owner.json<{ data: AuditRow[] }>('/v1/audit?action=key.create');
    expect(byAction.body.data).toHaveLength(3);
    const byKey = await owner.json<{ data: AuditRow[] }>(`/v1/audit?keyId=${other.keyId}`);
    expect(byKey.body.data.map((r) => r.action)).toEqual(['tenant.settings.update']);
    const byType = await owner.json<{ data: AuditRow[] }>('/v1/audit?targetType=tenant');
    expect(byType.body.data).toHaveLength(1);
    const byTarget = await owner.json<{ data: AuditRow[] }>(`/v1/audit?targetId=${owner.tenantId}`);
    expect(byTarget.body.data).toHaveLength(1);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await owner.json(`/v1/audit?from=${future}`)).body.data).toHaveLength(0);
    expect((await owner.json(`/v1/audit?to=${before}`)).body.data).toHaveLength(0);

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: AuditRow[]; nextCursor: string | null } } = await owner.json(
        `/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.data.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect((await owner.json('/v1/audit?cursor=not-a-cursor')).status).toBe(400);
  });

  it('offers no way to change or remove rows', async () => {
    const owner = await newTenant('owner', 'audit-ro');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await owner.json('/v1/audit', { method });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('route_not_found');
    }
  });
});
