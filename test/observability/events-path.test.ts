import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { queueEventSink } from '../../src/analytics/sink';
import { validateEvents } from '../../src/analytics/validate';
import type { EventsMessage } from '../../src/env';
import worker from '../worker';
import { BASE, newTenant, uploadText, withDb, type TestClient } from '../helpers';

const event = (name: string, user: string, over: Record<string, unknown> = {}) => ({
  event_id: crypto.randomUUID(),
  name,
  user_id: user,
  timestamp: new Date(Date.now() - 1000).toISOString(),
  properties: { source: 'test' },
  ...over,
});

const storedNames = (tenantId: string) =>
  withDb(async (db) => {
    const r = await db.execute<{ name: string }>(
      sql`SELECT name FROM product_events WHERE tenant_id = ${tenantId} ORDER BY name`,
    );
    return r.rows.map((row) => row.name);
  });

/** Calls the worker's fetch handler in this module graph, with the env given. */
async function post(client: TestClient, events: unknown[], bindings: typeof env = env) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    }),
    bindings,
    ctx,
  );
  return { res, ctx };
}

describe('POST /v1/events request path', () => {
  it('acks while Postgres is unreachable, and the events still land through the consumer', async () => {
    const client = await newTenant('admin');
    // Warm this isolate's key cache, as any earlier request of the key does.
    const warm = await post(client, [event('warm.up', 'u0')]);
    expect(warm.res.status).toBe(202);
    await warm.res.text(); // the logger's waitUntil lasts until the body is read
    await waitOnExecutionContext(warm.ctx);

    // Postgres is out of reach for this request: any database work on its path would fail it.
    const unreachable = { ...env, DATABASE_URL: 'postgres://nobody:nothing@localhost:1/none' };
    const { res } = await post(
      client,
      [event('doc.opened', 'u1'), event('doc.closed', 'u2')],
      unreachable,
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, rejected: [] });
    expect(res.headers.get('ratelimit-policy')).toMatch(/^"events";/);

    // The consumer runs with the real database and stores them.
    await vi.waitFor(
      async () =>
        expect(await storedNames(client.tenantId)).toEqual(['doc.closed', 'doc.opened', 'warm.up']),
      { timeout: 20_000, interval: 200 },
    );
  });

  it('spends its own rate-limit class, not the upload one', async () => {
    const client = await newTenant('admin');
    const set = await client.json('/v1/tenant/settings', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimits: { events: { capacity: 2, refillPerSecond: 0.001 } } }),
    });
    expect(set.status).toBe(200);
    const send = () =>
      client.json('/v1/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ events: [event('x.y', 'u')] }),
      });
    expect((await send()).status).toBe(202);
    expect((await send()).status).toBe(202);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.headers.get('ratelimit-policy')).toBe('"events";q=2;w=2000');
    // The upload bucket of the same key is untouched.
    const upload = await uploadText(client, `still uploads ${crypto.randomUUID()}`);
    expect(upload.status).toBe(202);
    expect(upload.headers.get('ratelimit-policy')).toMatch(/^"upload";/);
  });
});

describe('events consumer', () => {
  it('stores text messages from the sink and object messages from before, and drops garbage', async () => {
    const client = await newTenant('admin');
    const { accepted, serialized } = validateEvents(
      [event('from.text', 'u1'), event('from.object', 'u2')],
      Date.now(),
    );
    const text = JSON.stringify({
      kind: 'events',
      tenantId: client.tenantId,
      enqueuedAt: Date.now(),
      events: [JSON.parse(serialized[0]!)],
    });
    const object: EventsMessage = {
      kind: 'events',
      tenantId: client.tenantId,
      enqueuedAt: Date.now(),
      events: [accepted[1]!],
    };
    const batch = createMessageBatch<EventsMessage | string>('vellum-events', [
      { id: 'text', timestamp: new Date(), attempts: 1, body: text },
      { id: 'object', timestamp: new Date(), attempts: 1, body: object },
      { id: 'garbage', timestamp: new Date(), attempts: 1, body: '{not json' },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['garbage', 'object', 'text']);
    expect(result.retryMessages).toEqual([]);
    expect(await storedNames(client.tenantId)).toEqual(['from.object', 'from.text']);
  });
});

describe('queue dispatcher', () => {
  it('routes by message kind, whatever queue a message arrives on', async () => {
    const client = await newTenant('admin');
    const { serialized } = validateEvents([event('on.ingest.queue', 'u1')], Date.now());
    const text = JSON.stringify({
      kind: 'events',
      tenantId: client.tenantId,
      enqueuedAt: Date.now(),
      events: [JSON.parse(serialized[0]!)],
    });
    // Events on the ingest queue, and bodies that are no message at all.
    const batch = createMessageBatch<unknown>('vellum-ingest', [
      { id: 'events', timestamp: new Date(), attempts: 1, body: text },
      { id: 'unknown', timestamp: new Date(), attempts: 1, body: { kind: 'reindex' } },
      { id: 'garbage', timestamp: new Date(), attempts: 1, body: '{not json' },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['events', 'garbage', 'unknown']);
    expect(result.retryMessages).toEqual([]);
    expect(await storedNames(client.tenantId)).toEqual(['on.ingest.queue']);
  });
});

describe('queue event sink', () => {
  it('sends each event once, in messages under 128 KB and sendBatch calls within its limits', async () => {
    const calls: { kind: 'send' | 'sendBatch'; bodies: string[] }[] = [];
    const queue = {
      async send(body: string) {
        calls.push({ kind: 'send', bodies: [body] });
      },
      async sendBatch(messages: Iterable<MessageSendRequest<string>>) {
        calls.push({ kind: 'sendBatch', bodies: [...messages].map((m) => m.body) });
      },
    } as unknown as Queue<EventsMessage | string>;
    const { accepted, serialized } = validateEvents(
      Array.from({ length: 1000 }, (_, i) =>
        event('big.one', `u${i}`, { properties: { pad: 'é'.repeat(1500) } }),
      ),
      Date.now(),
    );
    const tenantId = crypto.randomUUID();
    const { messages } = await queueEventSink([queue]).send({
      tenantId,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      events: accepted,
      serialized,
    });
    const bodies = calls.flatMap((c) => c.bodies);
    expect(bodies).toHaveLength(messages);
    const bytes = (s: string) => new TextEncoder().encode(s).length;
    for (const body of bodies) expect(bytes(body)).toBeLessThan(128_000 - 100);
    for (const call of calls) {
      expect(call.bodies.length).toBeLessThanOrEqual(100);
      expect(call.bodies.reduce((n, b) => n + bytes(b), 0)).toBeLessThanOrEqual(256_000);
    }
    expect(calls.length).toBeLessThan(bodies.length); // grouped, not one call per message
    const decoded = bodies.map((b) => JSON.parse(b) as EventsMessage);
    expect(decoded.every((m) => m.kind === 'events' && m.tenantId === tenantId)).toBe(true);
    expect(decoded.flatMap((m) => m.events)).toEqual(accepted);
  });
});
