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
  /**
   * Each accepted event as JSON text, in the same order: the only time an event is
   * serialised on the request path (its properties are serialised once, for the size check,
   * and reused here). Queue messages are built by joining these strings.
   */
  serialized: string[];
  rejected: { index: number; code: EventRejectionCode }[];
}

/** UTF-8 byte length without encoding the string. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The event's JSON, with the already serialised properties spliced in. */
function serialize(event: ProductEvent, propertiesJson: string): string {
  const str = JSON.stringify;
  return `{"event_id":${str(event.event_id)},"name":${str(event.name)},"user_id":${str(event.user_id)},"timestamp":${str(event.timestamp)},"properties":${propertiesJson},"received_at":${str(event.received_at)}}`;
}

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
  const serialized: string[] = [];
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
    const propertiesJson = JSON.stringify(event.properties);
    // Postgres refuses NUL in text and \u0000 in jsonb: stored later by the consumer, such an
    // event would fail its whole message on every delivery, so it is refused here.
    if (event.user_id.includes('\u0000') || NUL_ESCAPE.test(propertiesJson))
      return void rejected.push({ index, code: 'invalid_event' });
    if (utf8Length(propertiesJson) > MAX_PROPERTIES_BYTES) {
      return void rejected.push({ index, code: 'properties_too_large' });
    }
    const id = event.event_id.toLowerCase();
    if (seen.has(id)) return void rejected.push({ index, code: 'duplicate_in_batch' });
    seen.add(id);
    const product: ProductEvent = {
      event_id: id,
      name: event.name,
      user_id: event.user_id,
      timestamp: new Date(at).toISOString(),
      properties: event.properties,
      received_at: receivedIso,
    };
    accepted.push(product);
    serialized.push(serialize(product, propertiesJson));
  });
  return { accepted, serialized, rejected };
}
