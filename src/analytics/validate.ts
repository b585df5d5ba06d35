import { z } from 'zod';
import type { ProductEvent } from '../env';

export const MAX_EVENTS_PER_BATCH = 1000;
export const MAX_PROPERTIES_BYTES = 4 * 1024;
export const MAX_FUTURE_MS = 5 * 60_000;
export const MAX_AGE_MS = 30 * 24 * 60 * 60_000;
/** Nesting allowed in `properties`; JSON.stringify recurses, so depth is checked first. */
export const MAX_PROPERTIES_DEPTH = 32;

/** Stable per-event rejection codes; clients may switch on them (the ack's schema lists these). */
export const EVENT_REJECTION_CODES = [
  'invalid_event',
  'timestamp_in_future',
  'timestamp_too_old',
  'properties_too_large',
  'properties_too_deep',
  'duplicate_in_batch',
  'user_mismatch',
] as const;
export type EventRejectionCode = (typeof EVENT_REJECTION_CODES)[number];

const NAME = /^[a-z0-9_.]+$/;

/**
 * What an event is. `validateEvents` takes well-formed events through `checkEvent` (the same
 * tests without zod's machinery) and hands anything else to this schema, so the verdict on
 * every input is the schema's.
 */
export const EventSchema = z.object({
  event_id: z.uuid(),
  name: z.string().min(1).max(64).regex(NAME),
  user_id: z.string().min(1).max(128),
  timestamp: z.iso.datetime({ offset: true }),
  properties: z.record(z.string(), z.unknown()).default({}),
});
type ParsedEvent = z.infer<typeof EventSchema>;

// The patterns `z.uuid()` and `z.iso.datetime({ offset: true })` test with, from zod itself.
const UUID = z.regexes.uuid();
const DATETIME = z.regexes.datetime({ offset: true });

/**
 * A JSON object as JSON.parse makes it. The schema's record copies such an object key by key
 * (same keys, same order), so using it as is serialises to the same text. An own `__proto__`
 * key (the record drops it) or a symbol key (the record refuses it) is left to the schema.
 */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return (
    (proto === Object.prototype || proto === null) &&
    !Object.prototype.hasOwnProperty.call(value, '__proto__') &&
    Object.getOwnPropertySymbols(value).length === 0
  );
}

/**
 * The event as `EventSchema` would return it, for an event that passes the schema's own
 * checks; undefined otherwise (the caller then asks the schema). On the ack path: zod's
 * generic parse was about half the cost of validating a batch of 100 events.
 */
export function checkEvent(raw: unknown): ParsedEvent | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { event_id, name, user_id, timestamp, properties } = raw as Record<string, unknown>;
  if (
    typeof event_id !== 'string' ||
    !UUID.test(event_id) ||
    typeof name !== 'string' ||
    name.length > 64 ||
    !NAME.test(name) ||
    typeof user_id !== 'string' ||
    user_id.length < 1 ||
    user_id.length > 128 ||
    typeof timestamp !== 'string' ||
    !DATETIME.test(timestamp)
  ) {
    return undefined;
  }
  if (properties === undefined) return { event_id, name, user_id, timestamp, properties: {} };
  if (!isJsonObject(properties)) return undefined;
  return { event_id, name, user_id, timestamp, properties };
}

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

/**
 * The event's JSON, with the already serialised properties spliced in. Only `user_id` can hold
 * characters JSON escapes: the id is a lower-cased UUID, the name matches NAME, and both times
 * come from toISOString, so they are written between quotes as they are.
 */
function serialize(event: ProductEvent, propertiesJson: string): string {
  return `{"event_id":"${event.event_id}","name":"${event.name}","user_id":${JSON.stringify(event.user_id)},"timestamp":"${event.timestamp}","properties":${propertiesJson},"received_at":"${event.received_at}"}`;
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
 * `asUser` is the caller's user when it holds a user token: a browser or app speaks only for
 * its own user, so an event naming anyone else is `user_mismatch` (an API key, `null`, is the
 * tenant's backend and may report for any user).
 */
export function validateEvents(
  events: readonly unknown[],
  receivedAt: number,
  asUser: string | null = null,
): BatchVerdict {
  const accepted: ProductEvent[] = [];
  const serialized: string[] = [];
  const rejected: BatchVerdict['rejected'] = [];
  const seen = new Set<string>();
  const receivedIso = new Date(receivedAt).toISOString();
  events.forEach((raw, index) => {
    let event = checkEvent(raw);
    if (!event) {
      const parsed = EventSchema.safeParse(raw);
      if (!parsed.success) return void rejected.push({ index, code: 'invalid_event' });
      event = parsed.data;
    }
    if (asUser !== null && event.user_id !== asUser)
      return void rejected.push({ index, code: 'user_mismatch' });
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
