// A `vellum-events` queue message as the ingest Worker's consumer receives it, for tests that
// deliver events to that consumer directly.
import type { EventsMessage } from '../../src/env';

/** An events message of `n` fresh `doc.viewed` events (distinct ids and users) for `tenantId`. */
export function eventsMessage(tenantId: string, n: number): EventsMessage {
  const now = new Date().toISOString();
  return {
    kind: 'events',
    tenantId,
    enqueuedAt: Date.now(),
    events: Array.from({ length: n }, (_, i) => ({
      event_id: crypto.randomUUID(),
      name: 'doc.viewed',
      user_id: `u${i}`,
      timestamp: now,
      properties: {},
      received_at: now,
    })),
  };
}
