// An event acknowledged with a 202 is written exactly once, even when Postgres is out for
// minutes: the consumer's retries back off long enough to outlive the outage, writes are
// idempotent on event id, and dead letters are stored or logged whole, never dropped silently.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { EVENTS_MAX_RETRIES } from '../../src/analytics/delivery';
import type { EventsMessage } from '../../src/env';
import ingest from '../../workers/ingest/index';
import { newTenant, withDb } from '../helpers';
import { eventsMessage } from '../support/events';
import { withFailingInsert } from '../support/outage';

/** How long the simulated outage lasts, in the seconds the queue's retry delays add up to. */
const OUTAGE_SECONDS = 6 * 60;

/**
 * Delivers messages to the ingest Worker's queue handler as attempt `attempts` and returns how
 * each was settled. Built by hand rather than with `createMessageBatch`, whose result does not
 * report the delay a retry asked for.
 */
async function deliver(queue: string, bodies: EventsMessage[], attempts: number) {
  const acked: string[] = [];
  const retried: Array<{ id: string; delaySeconds: number }> = [];
  const messages = bodies.map((body, i) => {
    const id = `e${attempts}-${i}`;
    return {
      id,
      timestamp: new Date(),
      attempts,
      body,
      ack: () => acked.push(id),
      retry: (options?: { delaySeconds?: number }) =>
        retried.push({ id, delaySeconds: options?.delaySeconds ?? 0 }),
    };
  });
  const batch = { queue, messages, ackAll() {}, retryAll() {} };
  const ctx = createExecutionContext();
  await ingest.queue(batch as never, env, ctx);
  await waitOnExecutionContext(ctx);
  return { acked, retried };
}

const stored = (tenantId: string) =>
  withDb(async (db) => {
    const r = await db.execute<{ events: number; counted: number }>(sql`
      SELECT (SELECT count(*) FROM product_events WHERE tenant_id = ${tenantId})::int AS events,
             (SELECT coalesce(sum(count), 0) FROM product_events_daily WHERE tenant_id = ${tenantId})::int AS counted`);
    return r.rows[0];
  });

describe('events across a Postgres outage', () => {
  it('retries with backoff through a six-minute outage and stores each event once', async () => {
    const client = await newTenant('admin', 'events-outage');
    const message = eventsMessage(client.tenantId, 3);
    let attempts = 1;
    let waited = 0;
    await withFailingInsert('product_events', client.tenantId, async () => {
      while (waited < OUTAGE_SECONDS) {
        // Past max_retries the queue would move the message to the dead-letter queue.
        expect(attempts).toBeLessThanOrEqual(EVENTS_MAX_RETRIES + 1);
        const result = await deliver('vellum-events', [message], attempts);
        expect(result.acked).toEqual([]);
        expect(result.retried).toHaveLength(1);
        const delay = result.retried[0]!.delaySeconds;
        expect(delay).toBeGreaterThan(0);
        waited += delay;
        attempts += 1;
      }
    });
    expect(await stored(client.tenantId)).toEqual({ events: 0, counted: 0 });
    // Postgres is back: the next delivery stores them, a duplicate delivery changes nothing.
    expect(attempts).toBeLessThanOrEqual(EVENTS_MAX_RETRIES + 1);
    expect((await deliver('vellum-events', [message], attempts)).acked).toHaveLength(1);
    expect((await deliver('vellum-events', [message], attempts + 1)).acked).toHaveLength(1);
    expect(await stored(client.tenantId)).toEqual({ events: 3, counted: 3 });
  });

  it('spreads the retries of messages failing together (jitter)', async () => {
    const client = await newTenant('admin', 'events-jitter');
    const messages = [1, 2, 3].map(() => eventsMessage(client.tenantId, 1));
    const result = await withFailingInsert('product_events', client.tenantId, () =>
      deliver('vellum-events', messages, 8),
    );
    const delays = result.retried.map((m) => m.delaySeconds);
    expect(delays).toHaveLength(3);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('stores dead letters once Postgres is back, and logs them whole while it is not', async () => {
    const client = await newTenant('admin', 'events-dlq');
    const message = eventsMessage(client.tenantId, 2);
    const errors = vi.spyOn(console, 'error');
    const failed = await withFailingInsert('product_events', client.tenantId, () =>
      deliver('vellum-events-dlq', [message], 1),
    );
    expect(failed.retried).toHaveLength(1);
    const logged = errors.mock.calls
      .map(([line]) => {
        try {
          return JSON.parse(String(line));
        } catch {
          return {};
        }
      })
      .find((l) => l.msg === 'events.dead_letter_store_failed' && l.tenantId === client.tenantId);
    errors.mockRestore();
    expect(logged.eventsMessage.events.map((e: { event_id: string }) => e.event_id)).toEqual(
      message.events.map((e) => e.event_id),
    );
    expect((await deliver('vellum-events-dlq', [message], 2)).acked).toHaveLength(1);
    expect(await stored(client.tenantId)).toEqual({ events: 2, counted: 2 });
  });
});
