import { z } from 'zod';
import type { ProductEvent } from '../env';

export const MAX_EVENTS_PER_BATCH = 1000;
export const MAX_PROPERTIES_BYTES = 4 * 1024;
export const MAX_FUTURE_MS = 5 * 60_000;
export const MAX_AGE_MS = 30 * 24 * 60 * 60_000;
/** Nesting allowed in `properties`; JSON.stringify recurses, so depth is checked first. */
export const MAX_PROPERTIES_DEPTH = 32;

/** Stable per-event rejection codes; clients may switch on them. */
export type EventRejectionCode =
  | 'invalid_event'
  | 'timestamp_in_future'
  | 'timestamp_too_old'
  | 'properties_too_large'
  | 'properties_too_deep'
  | 'duplicate_in_batch';

export const EventSchema = z.object({
  event_id: z.uuid(),
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_.]+$/),
  user_id: z.string().min(1).max(128),
  timestamp: z.iso.datetime({ offset: true }),
  properties: z.record(z.string(), z.unknown()).default({}),
});

export interface BatchVerdict {
  accepted: ProductEvent[];
  rejected: { index: number; code: EventRejectionCode }[];
}

const encoder = new TextEncoder();
/** A JSON `\u0000` escape (not an escaped backslash followed by "u0000"). */
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

/**
 * True when `value` nests deeper than `max`, walked with an explicit stack: a recursive walk
 * (or JSON.stringify itself) on `[[[[...]]]]` from a 64 KiB body overflows the call stack, a
 * RangeError that used to surface as a 500.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node))
      stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Validates each event on its own so one bad event never sinks the good ones. The first
 * occurrence of an event_id in a batch wins; later ones are `duplicate_in_batch`.
 */
export function validateEvents(events: readonly unknown[], receivedAt: number): BatchVerdict {
  const accepted: ProductEvent[] = [];
  const rejected: BatchVerdict['rejected'] = [];
  const seen = new Set<string>();
  const receivedIso = new Date(receivedAt).toISOString();
  events.forEach((raw, index) => {
    const parsed = EventSchema.safeParse(raw);
    if (!parsed.success) return void rejected.push({ index, code: 'invalid_event' });
    const event = parsed.data;
    const at = Date.parse(event.timestamp);
    if (at > receivedAt + MAX_FUTURE_MS)
      return void rejected.push({ index, code: 'timestamp_in_future' });
    if (at < receivedAt - MAX_AGE_MS)
      return void rejected.push({ index, code: 'timestamp_too_old' });
    if (nestsDeeperThan(event.properties, MAX_PROPERTIES_DEPTH))
      return void rejected.push({ index, code: 'properties_too_deep' });
    const properties = JSON.stringify(event.properties);
    // Postgres refuses NUL in text and \u0000 in jsonb: stored later by the consumer, such an
    // event would fail its whole message on every delivery, so it is refused here.
    if (event.user_id.includes('\u0000') || NUL_ESCAPE.test(properties))
      return void rejected.push({ index, code: 'invalid_event' });
    if (encoder.encode(properties).length > MAX_PROPERTIES_BYTES) {
      return void rejected.push({ index, code: 'properties_too_large' });
    }
    const id = event.event_id.toLowerCase();
    if (seen.has(id)) return void rejected.push({ index, code: 'duplicate_in_batch' });
    seen.add(id);
    accepted.push({
      event_id: id,
      name: event.name,
      user_id: event.user_id,
      timestamp: new Date(at).toISOString(),
      properties: event.properties,
      received_at: receivedIso,
    });
  });
  return { accepted, rejected };
}
