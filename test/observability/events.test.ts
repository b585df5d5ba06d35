import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { storeEvents } from '../../src/analytics/store';
import { validateEvents } from '../../src/analytics/validate';
import { addKey, newTenant, withDb, type TestClient } from '../helpers';

const DAY = new Date().toISOString().slice(0, 10);
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const event = (name: string, user: string, over: Record<string, unknown> = {}) => ({
  event_id: crypto.randomUUID(),
  name,
  user_id: user,
  timestamp: at(-1000),
  properties: { source: 'test' },
  ...over,
});

const post = (client: TestClient, events: unknown[]) =>
  client.json('/v1/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });

async function rollups(client: TestClient) {
  const [events, dau] = await Promise.all([
    client.json(`/v1/analytics/events?from=${DAY}&to=${DAY}`),
    client.json(`/v1/analytics/dau?from=${DAY}&to=${DAY}`),
  ]);
  return {
    byName: events.body.days[0].byName as Record<string, number>,
    users: dau.body.days[0].users as number,
  };
}

const storedCount = (tenantId: string) =>
  withDb(async (db) => {
    const r = await db.execute<{ n: string }>(
      sql`SELECT count(*) AS n FROM product_events WHERE tenant_id = ${tenantId}`,
    );
    return Number(r.rows[0]!.n);
  });

describe('POST /v1/events', () => {
  it('accepts the good events of a mixed batch and rejects the rest by index and code', async () => {
    const client = await newTenant('admin');
    const writer = await addKey(client, 'viewer'); // viewers may send events
    const dup = event('doc.opened', 'u1');
    const { status, body } = await post(writer, [
      event('doc.opened', 'u1'),
      event('Doc Opened!', 'u1'),
      event('doc.opened', 'u2', { timestamp: at(10 * 60_000) }),
      event('doc.opened', 'u2', { timestamp: at(-40 * 86_400_000) }),
      event('doc.opened', 'u2', { properties: { big: 'z'.repeat(5000) } }),
      dup,
      dup,
      event('search.run', 'u2'),
    ]);
    expect(status).toBe(202);
    expect(body).toEqual({
      accepted: 3,
      rejected: [
        { index: 1, code: 'invalid_event' },
        { index: 2, code: 'timestamp_in_future' },
        { index: 3, code: 'timestamp_too_old' },
        { index: 4, code: 'properties_too_large' },
        { index: 6, code: 'duplicate_in_batch' },
      ],
    });
    await vi.waitFor(
      async () => {
        const r = await rollups(client);
        expect(r.byName).toEqual({ 'doc.opened': 2, 'search.run': 1 });
        expect(r.users).toBe(2);
      },
      { timeout: 20_000, interval: 200 },
    );
  });

  it('is idempotent: replaying a batch changes neither counts nor DAU', async () => {
    const client = await newTenant('admin');
    const batch = [event('page.view', 'a'), event('page.view', 'b'), event('page.view', 'a')];
    expect((await post(client, batch)).body.accepted).toBe(3);
    await vi.waitFor(async () => expect((await rollups(client)).byName['page.view']).toBe(3), {
      timeout: 20_000,
      interval: 200,
    });
    // The replay carries one new event; once it is counted, the replayed three were processed too
    // (same message, same transaction).
    const marker = event('replay.marker', 'c');
    expect((await post(client, [...batch, marker])).body.accepted).toBe(4);
    await vi.waitFor(async () => expect((await rollups(client)).byName['replay.marker']).toBe(1), {
      timeout: 20_000,
      interval: 200,
    });
    const after = await rollups(client);
    expect(after.byName).toEqual({ 'page.view': 3, 'replay.marker': 1 });
    expect(after.users).toBe(3);
    expect(await storedCount(client.tenantId)).toBe(4);
  });

  it('rejects an empty or oversized batch and needs events:write', async () => {
    const client = await newTenant('admin');
    expect((await post(client, [])).status).toBe(400);
    expect(
      (
        await post(
          client,
          Array.from({ length: 1001 }, () => event('x', 'u')),
        )
      ).status,
    ).toBe(400);
    const ingestKey = await addKey(client, 'ingest');
    expect((await post(ingestKey, [event('x', 'u')])).status).toBe(403);
  });
});

describe('storeEvents', () => {
  it('counts only newly inserted rows, per UTC day of the event', async () => {
    const client = await newTenant('admin');
    const yesterday = new Date(Date.now() - 86_400_000);
    const { accepted } = validateEvents(
      [
        event('a', 'u1'),
        event('a', 'u2', { timestamp: yesterday.toISOString() }),
        event('b', 'u1'),
      ],
      Date.now(),
    );
    await withDb(async (db) => {
      expect(await storeEvents(db, client.tenantId, accepted)).toEqual({
        inserted: 3,
        duplicates: 0,
      });
      expect(await storeEvents(db, client.tenantId, accepted)).toEqual({
        inserted: 0,
        duplicates: 3,
      });
    });
    const from = yesterday.toISOString().slice(0, 10);
    const { body } = await client.json(`/v1/analytics/events?from=${from}&to=${DAY}&name=a`);
    expect(body.days).toEqual([
      { day: from, total: 1, byName: { a: 1 } },
      { day: DAY, total: 1, byName: { a: 1 } },
    ]);
    const dau = await client.json(`/v1/analytics/dau?from=${from}&to=${DAY}`);
    expect(dau.body.days).toEqual([
      { day: from, users: 1 },
      { day: DAY, users: 1 },
    ]);
  });
});
